"""Stacks: dev and bench apart, the assume-role provider, settings, and the outputs."""

from __future__ import annotations

import json

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from album_registry import constants
from albums.stack_outputs import REQUIRED_KEYS, StackOutputs
from components.settings import RetiredSettingError, StackSettings, bedrock_model_arns
from local_aws.pulumi_program import (
    ASSUMED_ACCOUNT_ID,
    PROJECT,
    PROJECT_ROOT,
    ProgramRun,
    run_program,
    stack_file_config,
)

NAMED_INPUTS = ("name", "bucket", "dashboardName")


def _physical_names(run: ProgramRun) -> set[str]:
    return {
        str(r.inputs[key])
        for r in run.resources
        if r.type.startswith("aws:")
        for key in NAMED_INPUTS
        if key in r.inputs and r.type not in {"aws:lambda/alias:Alias", "aws:iam/rolePolicy:RolePolicy"}
    }


def test_every_physical_name_carries_the_stack(dev_run: ProgramRun, bench_run: ProgramRun) -> None:
    for run in (dev_run, bench_run):
        names = _physical_names(run)
        assert len(names) > 20
        assert all(f"vinyl-{run.stack}-" in name for name in names), sorted(names)


def test_dev_and_bench_share_no_name(dev_run: ProgramRun, bench_run: ProgramRun) -> None:
    assert _physical_names(dev_run).isdisjoint(_physical_names(bench_run))
    dev_outputs = {value for key, value in dev_run.exports.items() if key != "region"}
    bench_outputs = {value for key, value in bench_run.exports.items() if key != "region"}
    assert dev_outputs.isdisjoint(bench_outputs)


def test_without_assume_roles_the_provider_uses_the_callers_credentials(dev_run: ProgramRun) -> None:
    provider = dev_run.one("pulumi:providers:aws").inputs
    assert provider["region"] == "us-east-2"
    assert "assumeRoles" not in provider


def test_configured_assume_role_is_the_provider_of_every_resource(assumed_role_run: ProgramRun) -> None:
    provider = assumed_role_run.one("pulumi:providers:aws")
    assert provider.name == "aws-bench"
    assert json.loads(provider.inputs["assumeRoles"]) == [
        {"roleArn": f"arn:aws:iam::{ASSUMED_ACCOUNT_ID}:role/deployer", "sessionName": "vinyl-bench"}
    ]
    assert {r.provider.rsplit("::", 1)[0] for r in assumed_role_run.resources if r.type.startswith("aws:")} == {
        provider.urn
    }
    # Names and ARNs follow the assumed account, as the caller identity reports it.
    assert ASSUMED_ACCOUNT_ID in assumed_role_run.exports["bucketName"]
    assert f":{ASSUMED_ACCOUNT_ID}:" in assumed_role_run.exports["stateMachineArn"]


def test_stack_files_use_the_v7_list_form_when_uncommented() -> None:
    for stack in ("dev", "bench"):
        config = stack_file_config(stack)
        assert config["aws:region"]
        assert "aws:assumeRoles" not in config  # placeholders stay commented out
        text = (PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8")
        assert "# aws:assumeRoles:\n  #   - roleArn: arn:aws:iam::" in text


@pytest.mark.parametrize("run_name", ["dev_run", "bench_run", "assumed_role_run"])
def test_every_output_the_tools_read_is_exported(run_name: str, request: pytest.FixtureRequest) -> None:
    run: ProgramRun = request.getfixturevalue(run_name)
    assert set(run.exports) == set(REQUIRED_KEYS)
    outputs = StackOutputs.model_validate(run.exports)
    assert outputs.stack == run.stack
    assert outputs.region == run.region
    assert all(value for value in run.exports.values())


def test_invalid_settings_stop_the_program_before_any_resource() -> None:
    config = stack_file_config("dev")
    config[f"{PROJECT}:durableExecutionTimeoutSeconds"] = 600
    with pytest.raises(pydantic.ValidationError, match="must be longer than validationTimeoutSeconds"):
        run_program("dev", config)


@given(
    validation=st.integers(min_value=1, max_value=100_000),
    durable=st.integers(min_value=1, max_value=200_000),
)
def test_durable_timeout_must_outlive_validation_timeout(validation: int, durable: int) -> None:
    values = {
        "stack": "dev",
        "validation_timeout_seconds": validation,
        "durable_execution_timeout_seconds": durable,
    }
    if durable > validation:
        assert StackSettings.model_validate(values).durable_execution_timeout_seconds == durable
    else:
        with pytest.raises(pydantic.ValidationError):
            StackSettings.model_validate(values)


@pytest.mark.parametrize("stack", ["Dev", "dev_1", "", "a" * 21, "-dev"])
def test_stack_names_that_cannot_name_a_bucket_are_refused(stack: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        StackSettings(stack=stack)


def test_defaults_are_the_documented_ones() -> None:
    settings = StackSettings(stack="dev")
    assert settings.validation_timeout_seconds == constants.DEFAULT_VALIDATION_TIMEOUT_SECONDS
    assert settings.price_agent_concurrency == constants.DEFAULT_PRICE_AGENT_CONCURRENCY
    assert settings.deploy_target == "aws"
    assert settings.durable_execution_timeout_seconds == 86400
    assert settings.durable_retention_days == 14
    assert settings.assume_roles == ()


def test_bedrock_arns_for_a_profile_and_for_a_plain_model() -> None:
    assert bedrock_model_arns("us.anthropic.claude-x-v1:0", "us-east-2", "111122223333") == [
        "arn:aws:bedrock:us-east-2:111122223333:inference-profile/us.anthropic.claude-x-v1:0",
        "arn:aws:bedrock:*::foundation-model/anthropic.claude-x-v1:0",
    ]
    assert bedrock_model_arns("anthropic.claude-x-v1:0", "eu-west-1", "111122223333") == [
        "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-x-v1:0"
    ]


@pytest.mark.parametrize("stack", ["dev", "bench"])
def test_both_stacks_read_covers_with_the_bedrock_model_their_file_names(stack: str, request: pytest.FixtureRequest) -> None:
    config = stack_file_config(stack)
    run: ProgramRun = request.getfixturevalue(f"{stack}_run")
    for function in run.of_type("aws:lambda/function:Function"):
        if not function.inputs["handler"].startswith("album_registry."):
            continue
        variables = function.inputs["environment"]["variables"]
        assert variables[constants.BEDROCK_MODEL_ID_ENV] == config[f"{PROJECT}:bedrockModelId"]


@pytest.mark.parametrize("provider", ["offline", "bedrock"])
def test_a_stack_file_that_still_chooses_a_vision_provider_is_told_to_drop_the_key(provider: str) -> None:
    config = stack_file_config("dev")
    config[f"{PROJECT}:visionProvider"] = provider
    with pytest.raises(RetiredSettingError) as refused:
        run_program("dev", config)
    message = str(refused.value)
    assert "visionProvider" in message and "Bedrock" in message and "Remove it" in message


def test_the_local_target_is_known_and_others_are_refused() -> None:
    settings = StackSettings(stack="local", deploy_target="local")
    assert not settings.deploys_to_aws
    with pytest.raises(pydantic.ValidationError, match="deployTarget must be one of"):
        StackSettings(stack="local", deploy_target="laptop")
