"""The Step Functions definition of the registration workflow and its renderer."""

from __future__ import annotations

from statemachine.definition import PLACEHOLDERS, TEMPLATE_PATH, load_template, render_definition

__all__ = ["PLACEHOLDERS", "TEMPLATE_PATH", "load_template", "render_definition"]
