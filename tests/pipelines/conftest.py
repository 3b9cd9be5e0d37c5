"""Both engines on this machine, for the scenario suite."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from local_aws.pipelines import LocalPipelines
from tests.stack_pipelines import stack_pool  # noqa: F401 (the fixture, for the suites on a running stack)

SAMPLE_PHOTO = Path(__file__).resolve().parents[2] / "samples" / "shelf-01.jpg"
_instances = itertools.count(1)


@pytest.fixture(scope="session")
def shelf_photo() -> bytes:
    return SAMPLE_PHOTO.read_bytes()


@pytest.fixture
def local_pipelines() -> Iterator[Callable[..., LocalPipelines]]:
    """Starts a fresh pair of pipelines (own table, bucket and state machine) per call."""
    started: list[LocalPipelines] = []

    def start(**settings: object) -> LocalPipelines:
        pipelines = LocalPipelines(prefix=f"scenario{next(_instances)}", **settings).start()
        started.append(pipelines)
        return pipelines

    yield start
    for pipelines in started:
        pipelines.stop()
