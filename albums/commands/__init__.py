"""Command modules of the ``albums`` CLI, in the order ``--help`` lists them."""

from __future__ import annotations

from types import ModuleType

from albums.commands import local_commands, validation_commands, vision_commands

MODULES: list[ModuleType] = [local_commands, vision_commands, validation_commands]

__all__ = ["MODULES"]
