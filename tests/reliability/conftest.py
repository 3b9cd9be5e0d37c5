"""Shared fixtures of the reliability suite: pipelines, captured logs, table snapshots."""

from __future__ import annotations

import io
import itertools
import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from album_registry.adapters.dynamodb_repository import unmarshal
from album_registry.domain import ids, items
from album_registry.domain.models import ExecutionStatus, TaskStatus, WorkflowType
from album_registry.handlers.observability import logger

from local_aws.pipelines import LocalPipelines
from tests.stack_pipelines import stack_pool  # noqa: F401 (the fixture, for the suites on a running stack)

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
ENGINES = pytest.mark.parametrize("workflow", list(WorkflowType), ids=lambda w: w.short_name)
_instances = itertools.count(1)


@pytest.fixture(scope="session")
def shelf_photo() -> bytes:
    return (SAMPLES / "shelf-01.jpg").read_bytes()


@pytest.fixture
def local_pipelines() -> Iterator[Callable[..., LocalPipelines]]:
    """Starts a fresh pair of pipelines (own table, bucket and state machine) per call."""
    started: list[LocalPipelines] = []

    def start(**settings: Any) -> LocalPipelines:
        pipelines = LocalPipelines(prefix=f"reliability{next(_instances)}", **settings).start()
        started.append(pipelines)
        return pipelines

    yield start
    for pipelines in started:
        pipelines.stop()


class JsonLogs:
    """What the handlers' Powertools logger writes to stdout, one JSON object a line."""

    def __init__(self, buffer: io.StringIO) -> None:
        self._buffer = buffer

    @property
    def text(self) -> str:
        return self._buffer.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.startswith("{")]


@pytest.fixture
def json_logs() -> Iterator[JsonLogs]:
    """Redirects the Powertools handler's stream (stdout in a Lambda) into a buffer."""
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous_stream = handler.setStream(buffer)
    previous_level = logger.log_level
    logger.setLevel("INFO")
    try:
        yield JsonLogs(buffer)
    finally:
        handler.setStream(previous_stream)
        logger.setLevel(previous_level)


def table_items(pipelines: LocalPipelines) -> list[dict[str, Any]]:
    """Every item of the pipelines' table, plain values, in key order."""
    found: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": pipelines.table_name}
    while True:
        page = pipelines.dynamodb.scan(**request)
        found += [unmarshal(item) for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return sorted(found, key=lambda item: (item["pk"], item["sk"]))
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def assert_whole_items(found: list[dict[str, Any]], *, albums: int, tasks: int) -> None:
    """One execution record, ``albums`` album items and ``tasks`` task items, each complete.

    Complete: every attribute of its record model is there (a half-written
    item misses some) and the item parses back into the model.
    """
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for item in found:
        by_entity.setdefault(item["entityType"], []).append(item)
    assert len(by_entity.get(items.ENTITY_EXECUTION, [])) == 1, found
    assert len(by_entity.get(items.ENTITY_ALBUM, [])) == albums, found
    assert len(by_entity.get(items.ENTITY_TASK, [])) == tasks, found
    for item in found:
        if item["entityType"] == items.ENTITY_EXECUTION:
            record = items.execution_from_item(item)
        elif item["entityType"] == items.ENTITY_ALBUM:
            record = items.album_from_item(item)
        else:
            record = items.task_from_item(item)
        missing = set(type(record).model_fields) - set(item)
        assert not missing, f"{item['pk']} {item['sk']} lacks {missing}"
    indexes = sorted(int(item["albumIndex"]) for item in by_entity.get(items.ENTITY_ALBUM, []))
    assert indexes == list(range(1, albums + 1))


def wait_for_pending_task(pipelines: LocalPipelines, workflow: WorkflowType, execution_id: str, timeout: float = 60):
    """The pending task, or an assertion error as soon as the execution failed instead."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = pipelines.repository.get_task(workflow, ids.task_id_for_execution(execution_id))
        if task is not None and task.status is TaskStatus.PENDING and (task.taskToken or task.callbackId):
            return task
        execution = pipelines.repository.get_execution(workflow, execution_id)
        if execution is not None and execution.status is ExecutionStatus.FAILED:
            raise AssertionError(f"{execution_id} failed before validation: {execution.error}")
        time.sleep(0.05)
    raise AssertionError(f"no pending validation task for {execution_id} within {timeout} s")


def wait_for_settled(pipelines: LocalPipelines, workflow: WorkflowType, execution_id: str, timeout: float = 60):
    """The execution once it failed, completed or waits for a person."""
    settled = (ExecutionStatus.FAILED, ExecutionStatus.COMPLETED, ExecutionStatus.WAITING_VALIDATION)
    return pipelines.wait_for_record(workflow, execution_id, settled, timeout)
