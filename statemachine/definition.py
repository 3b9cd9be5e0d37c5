"""Renders the ASL template with a deployment's ARNs, table name and settings.

The template is plain JSON holding ``${Name}`` placeholders. A string that is
exactly one placeholder takes the value's own type (so ``TimeoutSeconds`` gets
a number, and a write's ``Parameters`` an object); placeholders inside longer
strings are replaced as text. The Pulumi program and the local stack both call
``render_definition``: there is no second copy of the workflow. The native
DynamoDB writes are filled in from ``table_writes``, which renders them from
the core's key scheme, models and repository conditions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from statemachine.table_writes import rendered_writes

TEMPLATE_PATH = Path(__file__).with_name("registration.asl.json")

PLACEHOLDERS = (
    "PrepareExecutionFunctionArn",
    "ProcessImageFunctionArn",
    "OpenValidationFunctionArn",
    "ApplyValidationFunctionArn",
    "EstimatePriceFunctionArn",
    "CompleteExecutionFunctionArn",
    "TableName",
    "ValidationTimeoutSeconds",
    "PriceAgentConcurrency",
    # The run's own limit, as the durable function's execution timeout: a run
    # past it ends TIMED_OUT, which the engine's status-change event records.
    "ExecutionTimeoutSeconds",
)

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z]+)\}")


class DefinitionRenderError(Exception):
    def __init__(self, *, missing: list[str]) -> None:
        super().__init__(f"no value for placeholders: {', '.join(sorted(missing))}")
        self.missing = missing


def load_template() -> dict[str, Any]:
    return json.loads(TEMPLATE_PATH.read_text(encoding="utf-8"))


def render_definition(substitutions: Mapping[str, str | int]) -> str:
    missing = [name for name in PLACEHOLDERS if name not in substitutions]
    if missing:
        raise DefinitionRenderError(missing=missing)
    return json.dumps(_substitute(load_template(), {**substitutions, **rendered_writes()}), indent=2)


def _substitute(node: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(node, dict):
        return {key: _substitute(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_substitute(value, values) for value in node]
    if isinstance(node, str):
        whole = _PLACEHOLDER.fullmatch(node)
        if whole:
            # A rendered write holds placeholders of its own (the table name).
            return _substitute(values[whole.group(1)], values)
        return _PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), node)
    return node
