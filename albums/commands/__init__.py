"""Command modules of the ``albums`` CLI, in the order ``--help`` lists them."""

from __future__ import annotations

from types import ModuleType

from albums.commands import (
    bench_commands,
    demo_commands,
    deploy_commands,
    history_commands,
    load_commands,
    local_commands,
    secret_commands,
    validation_commands,
    vision_commands,
)

MODULES: list[ModuleType] = [
    demo_commands,
    local_commands,
    vision_commands,
    validation_commands,
    history_commands,
    secret_commands,
    bench_commands,
    load_commands,
    deploy_commands,
]

__all__ = ["MODULES"]
