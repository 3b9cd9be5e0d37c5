"""albums reads a stack's outputs from the Pulumi CLI or from a JSON file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from albums.stack_outputs import (
    REQUIRED_KEYS,
    PulumiCliMissingError,
    StackOutputCommandError,
    StackOutputs,
    StackOutputsFormatError,
    StackOutputsMissingError,
    load_stack_outputs,
)

OUTPUTS = {
    "stack": "bench",
    "region": "us-east-2",
    "bucketName": "vinyl-bench-uploads-111122223333-us-east-2",
    "tableName": "vinyl-bench-albums",
    "stateMachineArn": "arn:aws:states:us-east-2:111122223333:stateMachine:vinyl-bench-registration",
    "durableFunctionName": "vinyl-bench-durable-pipeline",
    "durableFunctionAliasArn": "arn:aws:lambda:us-east-2:111122223333:function:vinyl-bench-durable-pipeline:live",
    "validationApiUrl": "https://abc.lambda-url.us-east-2.on.aws/",
    "dashboardUrl": "https://us-east-2.console.aws.amazon.com/cloudwatch/home#dashboards:name=vinyl-bench-comparison",
    "durableExampleMinimalAliasArn": "arn:aws:lambda:us-east-2:111122223333:function:vinyl-bench-durable-example-minimal:live",
    "durableExampleShowcaseAliasArn": "arn:aws:lambda:us-east-2:111122223333:function:vinyl-bench-durable-example-showcase:live",
    "durableExampleStepsAliasArn": "arn:aws:lambda:us-east-2:111122223333:function:vinyl-bench-durable-example-steps:live",
    "discogsTokenSecretName": "vinyl-bench-discogs-token",
}


def _fake_pulumi(tmp_path: Path, *, stdout: str, exit_code: int = 0, stderr: str = "") -> Path:
    """An executable standing in for the CLI: records its arguments, prints ``stdout``."""
    (tmp_path / "stdout.txt").write_text(stdout, encoding="utf-8")
    script = tmp_path / "pulumi"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" > "{tmp_path}/args.txt"\n'
        f'cat "{tmp_path}/stdout.txt"\n'
        f'echo "{stderr}" >&2\n'
        f"exit {exit_code}\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_outputs_come_from_pulumi_stack_output(tmp_path: Path) -> None:
    cli = _fake_pulumi(tmp_path, stdout=json.dumps({**OUTPUTS, "extra": "ignored"}))
    outputs = load_stack_outputs("bench", pulumi_command=str(cli), project_dir=tmp_path)
    assert (tmp_path / "args.txt").read_text(encoding="utf-8").split() == [
        "stack", "output", "--json", "--stack", "bench",
    ]
    assert outputs.bucket_name == OUTPUTS["bucketName"]
    assert outputs.durable_function_alias_arn.endswith(":live")
    assert outputs.model_dump(by_alias=True) == OUTPUTS


def test_outputs_come_from_a_file_without_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(OUTPUTS), encoding="utf-8")
    outputs = load_stack_outputs("bench", outputs_file=path, pulumi_command=str(tmp_path / "absent"))
    assert outputs == StackOutputs.model_validate(OUTPUTS)


def test_a_missing_cli_says_to_use_an_outputs_file(tmp_path: Path) -> None:
    with pytest.raises(PulumiCliMissingError, match="--outputs FILE"):
        load_stack_outputs("bench", pulumi_command=str(tmp_path / "no-such-pulumi"), project_dir=tmp_path)


def test_a_failing_cli_reports_its_error(tmp_path: Path) -> None:
    cli = _fake_pulumi(tmp_path, stdout="", exit_code=255, stderr="no stack named bench found")
    with pytest.raises(StackOutputCommandError, match="no stack named bench found") as raised:
        load_stack_outputs("bench", pulumi_command=str(cli), project_dir=tmp_path)
    assert raised.value.returncode == 255


@pytest.mark.parametrize("absent", REQUIRED_KEYS)
def test_each_absent_key_is_named(tmp_path: Path, absent: str) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({k: v for k, v in OUTPUTS.items() if k != absent}), encoding="utf-8")
    with pytest.raises(StackOutputsMissingError) as raised:
        load_stack_outputs("bench", outputs_file=path)
    assert raised.value.missing == [absent]
    assert absent in str(raised.value)


@pytest.mark.parametrize("text", ["not json", "[1, 2]", json.dumps({**OUTPUTS, "tableName": 7})])
def test_unusable_documents_are_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StackOutputsFormatError):
        load_stack_outputs("bench", outputs_file=path)


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StackOutputsFormatError, match="outputs.json"):
        load_stack_outputs("bench", outputs_file=tmp_path / "outputs.json")


def test_required_keys_are_the_exported_names() -> None:
    assert set(REQUIRED_KEYS) == set(OUTPUTS)
