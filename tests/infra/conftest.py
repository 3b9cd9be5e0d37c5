"""Program runs shared by the infrastructure tests: one per stack configuration."""

from __future__ import annotations

import pytest

from local_aws.pulumi_program import (
    ASSUMED_ACCOUNT_ID,
    PROJECT,
    ProgramRun,
    run_program,
    stack_file_config,
)


@pytest.fixture(scope="session")
def dev_run() -> ProgramRun:
    return run_program("dev", stack_file_config("dev"))


@pytest.fixture(scope="session")
def bench_run() -> ProgramRun:
    return run_program("bench", stack_file_config("bench"))


@pytest.fixture(scope="session")
def assumed_role_run() -> ProgramRun:
    config = stack_file_config("bench")
    config["aws:assumeRoles"] = [
        {"roleArn": f"arn:aws:iam::{ASSUMED_ACCOUNT_ID}:role/deployer", "sessionName": "vinyl-bench"}
    ]
    return run_program("bench", config)
