"""The program as ``pulumi up`` runs it, with the stack files as shipped.

The session's program runs (``dev_run``, ``bench_run``) build the real Lambda
code: each bundle's archive and its layer resolved for arm64 CPython 3.13.
These tests check what those runs would upload: every function's code hash is
its archive's, its layers are the bundle's, its size is within Lambda's limits,
and (in ``test_infra_deploy_check``) its handler imports with nothing but its
archive and layers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from albums.deploy_check.lambda_checks import size_findings
from local_aws.declared_functions import DeclaredFunction, declared_functions
from local_aws.provisioning import LOCAL_PROJECT_CONFIG, LOCAL_STACK_NAME
from local_aws.pulumi_program import ProgramRun, run_program
from components.lambda_package import REGISTRY_BUNDLE, build_code, read_artifact


@pytest.fixture(scope="module")
def dev_functions(dev_run: ProgramRun) -> list[DeclaredFunction]:
    return declared_functions(dev_run)


def test_every_function_runs_a_built_archive_whose_hash_is_its_code_hash(dev_run: ProgramRun) -> None:
    functions = dev_run.of_type("aws:lambda/function:Function")
    assert functions
    for function in functions:
        artifact = read_artifact(Path(function.inputs["code"].path))
        assert function.inputs["sourceCodeHash"] == artifact.source_code_hash, function.name
        assert function.inputs["runtime"] == "python3.13"
        assert function.inputs["architectures"] == ["arm64"]


def test_registry_functions_carry_the_registry_archive_and_its_layer(dev_functions: list[DeclaredFunction]) -> None:
    registry_code = build_code(REGISTRY_BUNDLE)
    registry = [f for f in dev_functions if f.handler.startswith("album_registry.")]
    assert len(registry) == 9
    for function in registry:
        assert function.code == registry_code
        assert function.layer_specs == (REGISTRY_BUNDLE.layer,)


def test_the_local_stack_runs_the_code_archives_aws_runs(dev_run: ProgramRun) -> None:
    """One archive per function for both targets: only the layers' platform differs."""
    local = run_program(LOCAL_STACK_NAME, dict(LOCAL_PROJECT_CONFIG))

    def archives(run: ProgramRun) -> dict[str, str]:
        return {f.name: f.inputs["sourceCodeHash"] for f in run.of_type("aws:lambda/function:Function")}

    assert archives(local) == archives(dev_run)


def test_every_layer_is_built_for_arm64_and_published_for_python313(dev_run: ProgramRun) -> None:
    layers = dev_run.of_type("aws:lambda/layerVersion:LayerVersion")
    assert layers
    for layer in layers:
        assert "aws-py3.13-aarch64" in layer.inputs["code"].path
        assert layer.inputs["compatibleRuntimes"] == ["python3.13"]
        assert layer.inputs["compatibleArchitectures"] == ["arm64"]
        assert layer.inputs["sourceCodeHash"] == read_artifact(Path(layer.inputs["code"].path)).source_code_hash


@pytest.mark.parametrize("run_name", ["dev_run", "bench_run"])
def test_every_function_fits_lambdas_size_limits(run_name: str, request: pytest.FixtureRequest) -> None:
    functions = declared_functions(request.getfixturevalue(run_name))
    assert size_findings(functions) == []
    for function in functions:
        assert function.unzipped_bytes < 250_000_000
        assert all(artifact.zipped_bytes < 50_000_000 for artifact in (function.code, *function.layers))


def _minutes(duration: str) -> float:
    units = {"s": 1 / 60, "m": 1, "h": 60}
    return float(duration[:-1]) * units[duration[-1]]


def test_durable_functions_wait_long_enough_to_be_deleted_or_replaced(dev_run: ProgramRun) -> None:
    """AWS may take up to 60 minutes to delete a durable function."""
    functions = dev_run.of_type("aws:lambda/function:Function")
    durable = [f for f in functions if f.inputs.get("durableConfig")]
    assert durable
    for function in durable:
        assert _minutes(function.custom_timeouts["delete"]) > 60, function.name
        assert _minutes(function.custom_timeouts["update"]) >= 30, function.name
    assert not [f.name for f in functions if not f.inputs.get("durableConfig") and f.custom_timeouts]
