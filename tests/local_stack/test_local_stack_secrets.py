"""The Discogs token on the local stack: its secret served by moto, set and cleared
with ``albums secret``; and the same verb against a deployed stack (moto in process)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from album_registry import constants
from album_registry.adapters.discogs_token_secret import SecretsManagerDiscogsToken
from albums.cli import main
from local_aws.stack_info import free_loopback_port
from tests.local_stack.conftest import RunningStack, start_stack

TOKEN = "LoCaLdIsCoGsToKeN0123456789abcdef"


def albums_secret(stack: RunningStack, verb: str, *options: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "albums.cli", "secret", verb, "--stack", "local", "--data-dir", str(stack.data_dir)]
    return subprocess.run([*command, *options], input=stdin, capture_output=True, text=True, timeout=60)


def stored_value(stack: RunningStack) -> str:
    secrets = stack.client("secretsmanager")
    return secrets.get_secret_value(SecretId=stack.outputs["discogsTokenSecretName"])["SecretString"]


def test_albums_secret_sets_and_clears_the_token_which_survives_a_restart(tmp_path: Path) -> None:
    stack = start_stack(tmp_path / "data", free_loopback_port())
    try:
        secrets = stack.client("secretsmanager")
        with pytest.raises(secrets.exceptions.ResourceNotFoundException):
            stored_value(stack)  # provisioned as on AWS: the secret, without a value
        refused = albums_secret(stack, "set-discogs-token", stdin="\n")
        assert refused.returncode == 2 and "no token given" in refused.stderr
        token_set = albums_secret(stack, "set-discogs-token", stdin=f"{TOKEN}\n")
        assert token_set.returncode == 0, token_set.stderr
        assert stack.outputs["discogsTokenSecretName"] in token_set.stdout
        assert TOKEN not in token_set.stdout + token_set.stderr
        assert stored_value(stack) == TOKEN
    finally:
        stack.stop()
    stack = start_stack(tmp_path / "data", stack.port)
    try:
        assert stored_value(stack) == TOKEN
        (tmp_path / "token.txt").write_text("rotated-token\n", encoding="utf-8")
        from_file = albums_secret(stack, "set-discogs-token", "--token-file", str(tmp_path / "token.txt"))
        assert from_file.returncode == 0, from_file.stderr
        assert stored_value(stack) == "rotated-token"
        cleared = albums_secret(stack, "clear-discogs-token")
        assert cleared.returncode == 0, cleared.stderr
        # What the pricing functions read now: no token, so offline prices.
        tokens = SecretsManagerDiscogsToken(
            secret_name=stack.outputs["discogsTokenSecretName"], client=stack.client("secretsmanager")
        )
        assert tokens.token() is None
    finally:
        stack.stop()


DEPLOYED_OUTPUTS = {
    "stack": "dev",
    "region": "eu-west-1",
    "bucketName": "vinyl-dev-uploads-123456789012-eu-west-1",
    "tableName": "vinyl-dev-albums",
    "stateMachineArn": "arn:aws:states:eu-west-1:123456789012:stateMachine:vinyl-dev-registration",
    "durableFunctionName": "vinyl-dev-durable-pipeline",
    "durableFunctionAliasArn": "arn:aws:lambda:eu-west-1:123456789012:function:vinyl-dev-durable-pipeline:live",
    "validationApiUrl": "https://example.invalid/",
    "dashboardUrl": "https://example.invalid/dashboard",
    "durableExampleMinimalAliasArn": "arn:aws:lambda:us-east-1:123456789012:function:vinyl-dev-durable-example-minimal:live",
    "durableExampleShowcaseAliasArn": "arn:aws:lambda:us-east-1:123456789012:function:vinyl-dev-durable-example-showcase:live",
    "durableExampleStepsAliasArn": "arn:aws:lambda:us-east-1:123456789012:function:vinyl-dev-durable-example-steps:live",
    "discogsTokenSecretName": "vinyl-dev-discogs-token",
}


@pytest.fixture
def deployed_outputs(aws: None, tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(DEPLOYED_OUTPUTS), encoding="utf-8")
    return path


def test_a_deployed_stacks_secret_is_written_in_its_region(
    deployed_outputs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets = boto3.client("secretsmanager", region_name="eu-west-1")
    secrets.create_secret(Name="vinyl-dev-discogs-token")
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{TOKEN}\n"))
    code = main(["secret", "set-discogs-token", "--stack", "dev", "--outputs", str(deployed_outputs)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert TOKEN not in captured.out + captured.err
    assert secrets.get_secret_value(SecretId="vinyl-dev-discogs-token")["SecretString"] == TOKEN


def test_a_secret_the_stack_lacks_is_an_error_naming_it(
    deployed_outputs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["secret", "clear-discogs-token", "--stack", "dev", "--outputs", str(deployed_outputs)])
    assert code == 1
    assert "vinyl-dev-discogs-token" in capsys.readouterr().err


def test_a_token_with_spaces_inside_is_refused(deployed_outputs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "token.txt").write_text("two words\n", encoding="utf-8")
    options = ["--stack", "dev", "--outputs", str(deployed_outputs), "--token-file", str(tmp_path / "token.txt")]
    assert main(["secret", "set-discogs-token", *options]) == 2
    assert "one word" in capsys.readouterr().err
