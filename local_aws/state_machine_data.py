"""A state machine's data copied as the JSON it is, not with ``copy.deepcopy``.

moto (5.2.5) copies a run's data whenever a state reads its input or writes
its result, as Step Functions' semantics ask (``States`` in
``moto/stepfunctions/parser/asl/eval/states.py``, the task state's frame, a
JSONPath string's value). It uses ``copy.deepcopy``, whose memo and dispatch
cost dominate for JSON: py-spy put 8 % of the stack process's CPU in those
copies under ``albums bench --concurrency 20``.

The data is JSON: dicts, lists, strings, numbers, booleans and null. They are
copied here by walking the dicts and lists, about three times faster on a
registration run's 8 KB output (148 against 431 µs). Anything else, such as
a dict subclass, is left to ``copy.deepcopy``.
"""

from __future__ import annotations

import copy
import types
from typing import Any

from moto.stepfunctions.parser.asl.component.common.string import string_expression
from moto.stepfunctions.parser.asl.component.state.exec import execute_state
from moto.stepfunctions.parser.asl.eval import states

_INSTALLED = "_local_aws_json_copies"
_SCALARS = frozenset({str, int, float, bool, type(None)})


def copy_of_json(value: Any) -> Any:
    """A copy of ``value`` that shares no dict or list with it."""
    kind = type(value)
    if kind is dict:
        return {key: item if type(item) in _SCALARS else copy_of_json(item) for key, item in value.items()}
    if kind is list:
        return [item if type(item) in _SCALARS else copy_of_json(item) for item in value]
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)


def install_json_copies() -> None:
    """Copy run data as JSON in the modules that copy it for every state (idempotent)."""
    # These modules reach deepcopy through their module global ``copy``.
    json_copy = types.SimpleNamespace(deepcopy=copy_of_json, copy=copy.copy)
    setattr(json_copy, _INSTALLED, True)
    for module in (states, execute_state, string_expression):
        if not getattr(module.copy, _INSTALLED, False):
            module.copy = json_copy  # type: ignore[attr-defined]
