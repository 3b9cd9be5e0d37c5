"""The Step Functions definition of the registration workflow and its renderer."""

from __future__ import annotations

from statemachine.definition import PLACEHOLDERS, TEMPLATE_PATH, load_template, render_definition
from statemachine.task_functions import TASK_FUNCTIONS, TaskFunction

__all__ = ["PLACEHOLDERS", "TASK_FUNCTIONS", "TEMPLATE_PATH", "TaskFunction", "load_template", "render_definition"]
