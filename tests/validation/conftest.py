"""Fixtures of the validation suite: in-process AWS for the API tests, the local stack for the rest."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from album_registry import constants
from local_aws.pipelines import LocalPipelines
from local_aws.lambda_runtime import reset_composition

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


SAMPLE_PHOTO = Path(__file__).resolve().parents[2] / "samples" / "shelf-01.jpg"


_stacks = itertools.count(1)


@pytest.fixture(scope="module")
def local_stack() -> Iterator[LocalPipelines]:
    """Both engines on this machine, one stack per module.

    One upload per state machine: moto's interpreter names every execution
    started without a name "None", so a second one is refused as a duplicate.
    """
    saved = dict(os.environ)
    pipelines = LocalPipelines(prefix=f"validation{next(_stacks)}").start()
    yield pipelines
    pipelines.stop()
    # start() points this process at the stack; later suites must not inherit it.
    os.environ.clear()
    os.environ.update(saved)
    reset_composition()
