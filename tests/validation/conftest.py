"""Fixtures of the validation suite: in-process AWS for the API tests, a running local stack for the rest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from album_registry import constants
from local_aws.stack_info import free_loopback_port
from local_aws.lambda_runtime import reset_composition
from tests.local_stack.conftest import start_stack
from tests.stack_pipelines import PipelinesOnStack

BUCKET = "albums-test-shelf-photos"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class FixedClock:
    def __init__(self, moment: datetime = NOW) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@pytest.fixture(scope="module")
def in_process_aws() -> Iterator[None]:
    """moto in this process; the local stack's endpoint (if a suite set one) is set aside."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        patch.setenv(constants.BUCKET_NAME_ENV, BUCKET)
        with mock_aws():
            boto3.client("s3").create_bucket(Bucket=BUCKET)
            reset_composition()
            yield
        reset_composition()


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipelinesOnStack]:
    """``albums local up`` in a child process, one per module: the archives the stack would deploy."""
    stack = start_stack(tmp_path_factory.mktemp("validation") / "data", free_loopback_port())
    yield PipelinesOnStack(stack)
    stack.stop()
