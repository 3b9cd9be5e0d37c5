"""``albums deploy-check``: the tests' checks, on a stack as its file configures it."""

from __future__ import annotations

import pytest

from albums.cli import main
from albums.deploy_check.checklist import print_results, run_checks
from albums.local_stack.pulumi_program import PROJECT, stack_file_config

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
    assert "10/10 handlers import" in lines[CHECKS.index("imports")]


def test_deploy_check_reports_a_stack_the_program_refuses_and_stops_there() -> None:
    config = stack_file_config("dev")
    config[f"{PROJECT}:visionProvider"] = "offline"
    printed: list[str] = []
    assert print_results(run_checks("dev", config), printed.append) is False
    program_line = next(index for index, line in enumerate(printed) if line[5:].startswith("program"))
    assert printed[program_line].startswith("FAIL")
    assert "250 MB" in printed[program_line + 1]
    # Nothing after the program runs on a program that did not run.
    assert not [line for line in printed[program_line + 1:] if line.startswith(("ok", "FAIL"))]
