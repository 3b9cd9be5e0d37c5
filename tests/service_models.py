"""Checking a local service's answers against botocore's models of the AWS services."""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError
from botocore.model import Shape
from botocore.validate import ParamValidator


def model_violations(value: Any, shape: Shape, path: str) -> list[str]:
    """What in a parsed value the model's string constraints refuse (botocore's validator leaves them out)."""
    if getattr(shape, "is_document_type", False):
        return []  # free-form JSON (a tool's input): the model says nothing of it
    if shape.type_name == "structure":
        return [
            problem
            for name, member in value.items()
            for problem in model_violations(member, shape.members[name], f"{path}.{name}")
        ]
    if shape.type_name == "list":
        return [problem for i, item in enumerate(value) for problem in model_violations(item, shape.member, f"{path}[{i}]")]
    if shape.type_name == "map":
        return [problem for key, item in value.items() for problem in model_violations(item, shape.value, f"{path}.{key}")]
    if shape.type_name != "string":
        return []
    problems = []
    if shape.enum and value not in shape.enum:
        problems.append(f"{path}: {value!r} is none of {shape.enum}")
    if "max" in shape.metadata and len(value) > shape.metadata["max"]:
        problems.append(f"{path}: longer than {shape.metadata['max']}")
    if "pattern" in shape.metadata and not re.fullmatch(shape.metadata["pattern"], value):
        problems.append(f"{path}: {value!r} does not match {shape.name}'s pattern {shape.metadata['pattern']}")
    return problems


def assert_is_model_output(client: Any, operation: str, response: dict[str, Any]) -> None:
    output_shape = client.meta.service_model.operation_model(operation).output_shape
    parsed = {name: value for name, value in response.items() if name != "ResponseMetadata"}
    report = ParamValidator().validate(parsed, output_shape)
    assert not report.has_errors(), f"{operation}: {report.generate_report()}"
    assert model_violations(parsed, output_shape, operation) == []


def assert_is_model_error(client: Any, operation: str, error: ClientError, code: str) -> None:
    declared = {shape.name for shape in client.meta.service_model.operation_model(operation).error_shapes}
    assert error.response["Error"]["Code"] == code
    assert code in declared, f"{operation} declares {sorted(declared)}"
