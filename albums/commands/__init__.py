"""Command modules of the ``albums`` CLI, in the order ``--help`` lists them."""

from __future__ import annotations

from types import ModuleType

MODULES: list[ModuleType] = []

__all__ = ["MODULES"]
