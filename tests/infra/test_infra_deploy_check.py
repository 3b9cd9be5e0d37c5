"""``albums deploy-check``: the tests' checks, on a stack as its file configures it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from albums.cli import main
from albums.deploy_check.checklist import print_results, run_checks
from local_aws.pulumi_program import PROJECT, stack_file_config
from albums.deploy_check.import_closure import import_handler
from components.lambda_package import LAYER_PREFIX, REGISTRY_BUNDLE, build_code, build_layer, host_platform

CHECKS = [
    "build album-registry",
    "build durable-examples",
    "program",
    "sizes",
    "imports",
    "iam",
    "asl",
]


def test_deploy_check_passes_on_the_dev_stack_as_shipped_one_line_per_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy-check", "--stack", "dev"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(maxsplit=1)[0] for line in lines] == ["ok"] * len(CHECKS)
    assert [line[5:31].strip() for line in lines] == CHECKS
    # Every handler the program names (registry and seed examples) imports with
    # only its archive and layers, in a fresh interpreter of the runtime's Python
    # version when this machine has one (the layer's host twin: this is x86_64).
    assert "12/12 handlers import" in lines[CHECKS.index("imports")]
    assert f"({host_platform().key} twin" in lines[CHECKS.index("imports")]


def test_deploy_check_reports_a_stack_the_program_refuses_and_stops_there() -> None:
    config = stack_file_config("dev")
    config[f"{PROJECT}:visionProvider"] = "offline"  # a key older stack files hold
    printed: list[str] = []
    assert print_results(run_checks("dev", config), printed.append) is False
    program_line = next(index for index, line in enumerate(printed) if line[5:].startswith("program"))
    assert printed[program_line].startswith("FAIL")
    assert "visionProvider is no longer a setting" in printed[program_line + 1]
    # Nothing after the program runs on a program that did not run.
    assert not [line for line in printed[program_line + 1:] if line.startswith(("ok", "FAIL"))]


def test_the_import_check_fails_a_handler_whose_dependency_is_missing(tmp_path: Path) -> None:
    """Only the archive and its layers are on the path: the registry's layer
    without numpy (which the catalog imports) fails the import, naming numpy."""
    twin = build_layer(REGISTRY_BUNDLE.layer, host_platform())
    crippled = tmp_path / "layer"
    shutil.copytree(twin.tree, crippled, ignore=shutil.ignore_patterns("numpy", "numpy.libs", "numpy-*"))
    assert not (crippled / LAYER_PREFIX / "numpy").exists()
    result = import_handler(
        "album_registry.handlers.step_functions_tasks.estimate_price_handler",
        code=build_code(REGISTRY_BUNDLE),
        layer_trees=[crippled],
        platform=host_platform(),
        environment={"AWS_REGION": "us-east-2", "AWS_DEFAULT_REGION": "us-east-2"},
    )
    assert not result.ok
    assert "numpy" in result.error
