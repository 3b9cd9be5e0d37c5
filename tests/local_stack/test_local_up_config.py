"""``albums local up --config KEY=VALUE`` sets the program's config as ``pulumi config set`` would."""

from __future__ import annotations

import json

import pytest

from albums.cli import main
from albums.commands.local_commands import local_stack_config
from local_aws.provisioning import LOCAL_PROJECT_CONFIG, LOCAL_STACK_NAME
from local_aws.pulumi_program import run_program

PLAN = json.dumps({"price_failing_albums": [4]})


def test_config_keys_go_to_the_project_namespace_as_strings() -> None:
    config = local_stack_config(2, [("faultInjection", PLAN), ("vinyl-album-registry:priceAgentConcurrency", "3")])
    assert config == {
        "vinyl-album-registry:faultInjection": PLAN,
        "vinyl-album-registry:priceAgentConcurrency": "3",
        "vinyl-album-registry:validationTimeoutSeconds": "2",
    }


def test_the_program_reads_the_config_it_is_given() -> None:
    """What the stack provisions from: every function that prices gets the fault plan."""
    config = local_stack_config(None, [("faultInjection", PLAN), ("validationTimeoutSeconds", "7")])
    program = run_program(LOCAL_STACK_NAME, {**LOCAL_PROJECT_CONFIG, **config})
    functions = program.of_type("aws:lambda/function:Function")
    environments = [function.inputs.get("environment", {}).get("variables", {}) for function in functions]
    assert any(variables.get("FAULT_INJECTION") == PLAN for variables in environments)
    assert all(variables.get("VALIDATION_TIMEOUT_SECONDS") == "7" for variables in environments if variables)


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        pytest.param("visionTimeout=3", "visionTimeout is not a setting of vinyl-album-registry", id="unknown-key"),
        pytest.param("priceAgentConcurrency=0", "priceAgentConcurrency: ", id="out-of-range"),
        pytest.param("validationTimeoutSeconds=soon", "validationTimeoutSeconds: ", id="not-a-number"),
        pytest.param('faultInjection={"vision_down": 1}', "faultInjection is not a fault plan", id="not-a-plan"),
        pytest.param("discogsBaseUrl=127.0.0.1:8089", "discogsBaseUrl: ", id="not-a-url"),
        pytest.param("durableExecutionTimeoutSeconds=5", "must be longer than validationTimeoutSeconds", id="too-short"),
        pytest.param("deployTarget=aws", "the local stack sets it to 'local'", id="not-local"),
        pytest.param("visionProvider=textract", "visionProvider is no longer a setting", id="retired"),
    ],
)
def test_a_bad_config_entry_is_refused_naming_the_problem_before_anything_starts(
    entry: str, named: str, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    assert main(["local", "up", "--data-dir", str(data_dir), "--config", entry]) == 2
    error = capsys.readouterr().err
    assert error.startswith("albums local up: --config ") and named in error, error
    assert not data_dir.exists()


def test_an_entry_without_a_value_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["local", "up", "--config", "validationTimeoutSeconds"])
    assert exited.value.code == 2
    assert "'validationTimeoutSeconds' is not KEY=VALUE" in capsys.readouterr().err
