"""The outputs of a deployed stack, which the ``albums`` verbs act on.

Two sources, same model:

- ``pulumi stack output --json --stack NAME`` (run in the project directory),
  for users with the Pulumi CLI;
- a JSON file given with ``--outputs FILE``, for users without it: save that
  command's output, or write the object by hand with the keys below.

Keys (camelCase, as the Pulumi program exports them): ``stack``, ``region``,
``bucketName``, ``tableName``, ``stateMachineArn``, ``durableFunctionName``,
``durableFunctionAliasArn``, ``validationApiUrl``, ``dashboardUrl``,
``durableExampleMinimalAliasArn``, ``durableExampleShowcaseAliasArn``,
``durableExampleStepsAliasArn`` (the no-op steps of ``albums bench --shape``),
``discogsTokenSecretName``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PULUMI_COMMAND = "pulumi"


class StackOutputs(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    stack: str
    region: str
    bucket_name: str
    table_name: str
    state_machine_arn: str
    durable_function_name: str
    durable_function_alias_arn: str
    validation_api_url: str
    dashboard_url: str
    durable_example_minimal_alias_arn: str
    durable_example_showcase_alias_arn: str
    durable_example_steps_alias_arn: str
    discogs_token_secret_name: str


REQUIRED_KEYS = tuple(field.alias or name for name, field in StackOutputs.model_fields.items())


class PulumiCliMissingError(Exception):
    def __init__(self, *, command: str) -> None:
        super().__init__(
            f"the Pulumi CLI ({command!r}) is not installed or not on PATH; "
            "pass --outputs FILE with the stack's outputs as JSON instead"
        )
        self.command = command


class StackOutputCommandError(Exception):
    def __init__(self, *, stack: str, returncode: int, stderr: str) -> None:
        super().__init__(
            f"`pulumi stack output --json --stack {stack}` failed ({returncode}): {stderr.strip()}"
        )
        self.stack = stack
        self.returncode = returncode
        self.stderr = stderr


class StackOutputsFormatError(Exception):
    def __init__(self, *, source: str, reason: str) -> None:
        super().__init__(f"stack outputs from {source} are unusable: {reason}")
        self.source = source
        self.reason = reason


class StackOutputsMissingError(Exception):
    def __init__(self, *, source: str, missing: list[str]) -> None:
        super().__init__(
            f"stack outputs from {source} lack {', '.join(missing)}; "
            "was the stack deployed with this version of the program?"
        )
        self.source = source
        self.missing = missing


# What reading a deployed stack's outputs can fail with: each names its cause for the user.
STACK_OUTPUTS_ERRORS = (PulumiCliMissingError, StackOutputCommandError, StackOutputsFormatError, StackOutputsMissingError)


def load_stack_outputs(
    stack: str,
    *,
    outputs_file: Path | None = None,
    pulumi_command: str = PULUMI_COMMAND,
    project_dir: Path = PROJECT_ROOT,
) -> StackOutputs:
    """The outputs of ``stack``: from ``outputs_file`` when given, else from the CLI."""
    if outputs_file is not None:
        return parse_stack_outputs(_read_file(outputs_file), source=str(outputs_file))
    command = [pulumi_command, "stack", "output", "--json", "--stack", stack]
    try:
        result = subprocess.run(
            command, cwd=project_dir, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise PulumiCliMissingError(command=pulumi_command) from error
    if result.returncode != 0:
        raise StackOutputCommandError(
            stack=stack, returncode=result.returncode, stderr=result.stderr
        )
    return parse_stack_outputs(result.stdout, source=f"stack {stack}")


def parse_stack_outputs(text: str, *, source: str) -> StackOutputs:
    try:
        document: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise StackOutputsFormatError(source=source, reason=f"not JSON ({error.msg})") from error
    if not isinstance(document, dict):
        raise StackOutputsFormatError(source=source, reason="not a JSON object")
    missing = [key for key in REQUIRED_KEYS if key not in document]
    if missing:
        raise StackOutputsMissingError(source=source, missing=missing)
    try:
        return StackOutputs.model_validate(document)
    except ValidationError as error:
        raise StackOutputsFormatError(source=source, reason=str(error)) from error


def _read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise StackOutputsFormatError(source=str(path), reason=error.strerror or str(error)) from error
