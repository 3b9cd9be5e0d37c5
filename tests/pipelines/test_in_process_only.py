"""The two tests still on the in-process harness (local_aws/pipelines.py), and why.

Every other scenario, equivalence and property test drives a running
``albums local up``. These two need what only a process holding the engines
can do:

- 20 (the six price agents run at once): the estimator is held behind a barrier
  the six must reach together. On the stack the agents run in worker processes
  (Step Functions) or in the durable function's worker, where a test cannot
  hold them; telling concurrency from the histories' timestamps instead would
  be a timed assertion.
- A price write throttled past its retries: the fault is the table refusing the
  Step Functions engine's own native DynamoDB writes (local_aws/table_faults.py),
  below any function, and the stack has no setting that installs it.
"""

from __future__ import annotations

import threading

import boto3
import pytest

from album_registry import composition
from album_registry.domain import keys
from album_registry.domain.models import (
    Album,
    AlbumStatus,
    ExecutionStatus,
    PriceEstimate,
    ValidationOutcome,
    WorkflowType,
)
from album_registry.domain.ports import PriceEstimator
from local_aws.pipelines import LocalPipelines
from tests.table_items import items_by_pattern

ENGINES = pytest.mark.parametrize("workflow", list(WorkflowType), ids=lambda w: w.short_name)
ACCEPT = ValidationOutcome(reviewed=True)
AGENTS = 6
# Only a barrier that six agents never reach together waits this long: then it breaks.
BARRIER_SECONDS = 120


class AgentsTogether:
    """The real estimator behind a barrier: no agent prices before all six are running."""

    def __init__(self, estimator: PriceEstimator) -> None:
        self._estimator = estimator
        self.barrier = threading.Barrier(AGENTS, timeout=BARRIER_SECONDS)
        self.passed = 0
        self._lock = threading.Lock()

    def estimate(self, album: Album) -> PriceEstimate:
        self.barrier.wait()
        with self._lock:
            self.passed += 1
        return self._estimator.estimate(album)


@ENGINES
def test_the_six_price_agents_run_at_once(local_pipelines, shelf_photo, monkeypatch, workflow):
    """Property 20: six agents, each held until all six are running; none is priced otherwise."""
    pipelines: LocalPipelines = local_pipelines(lambda_concurrency=AGENTS + 2)
    together = AgentsTogether(composition.price_estimator())
    monkeypatch.setattr(composition, "price_estimator", lambda: together)
    started = pipelines.upload(shelf_photo, "uploads/together.jpg", workflows=(workflow,))
    task = pipelines.wait_for_task(workflow, started.execution_id(workflow))
    pipelines.submit(task.taskId, ACCEPT)
    outcome = pipelines.wait_for_engine(workflow, started.engine_arns[workflow])
    assert outcome.status == "SUCCEEDED", outcome.error
    assert not together.barrier.broken
    assert together.passed == AGENTS
    execution = pipelines.repository.get_execution(workflow, started.execution_id(workflow))
    assert (execution.pricedCount, execution.priceFailedCount) == (AGENTS, 0)


def run_both(pipelines, photo, review: ValidationOutcome):
    started = pipelines.upload(photo, "uploads/both.jpg")
    for workflow in WorkflowType:
        task = pipelines.wait_for_task(workflow, started.execution_id(workflow))
        pipelines.submit(task.taskId, review)
    return started, {w: pipelines.wait_for_engine(w, started.engine_arns[w]) for w in WorkflowType}


def assert_alike(pipelines, started, outcomes) -> None:
    """Both engines ended the same way and stored the same items, field by field."""
    assert outcomes[WorkflowType.STEP_FUNCTIONS].status == outcomes[WorkflowType.DURABLE_FUNCTIONS].status
    items = items_by_pattern(boto3.client("dynamodb"), pipelines.table_name)
    assert items[WorkflowType.STEP_FUNCTIONS] == items[WorkflowType.DURABLE_FUNCTIONS]
    for workflow in WorkflowType:
        execution = pipelines.repository.get_execution(workflow, started.execution_id(workflow))
        assert execution.status.value in ("completed", "failed"), (workflow, execution.status)


THROTTLED_ALBUM = 4
THROTTLED = "DynamoDB.ProvisionedThroughputExceededException"


def test_a_price_write_throttled_past_its_retries_is_recorded_alike(local_pipelines, shelf_photo):
    """The table refuses album 4's price write on both engines for good: each retries, then records
    the failure under the name the state machine's native write reports, and the run completes."""
    pipelines = local_pipelines(throttled_price_writes=(THROTTLED_ALBUM,))
    started, outcomes = run_both(pipelines, shelf_photo, ACCEPT)
    assert {o.status for o in outcomes.values()} == {"SUCCEEDED"}
    assert_alike(pipelines, started, outcomes)
    for workflow in WorkflowType:
        execution_id = started.execution_id(workflow)
        albums = pipelines.repository.get_albums(workflow, execution_id)
        throttled = albums[THROTTLED_ALBUM - 1]
        assert (throttled.status, throttled.priceErrorCode, throttled.priceError) == (
            AlbumStatus.PRICE_FAILED,
            THROTTLED,
            THROTTLED,
        )
        assert throttled.priceEstimate is None
        assert all(a.status is AlbumStatus.PRICED for a in albums if a.albumIndex != THROTTLED_ALBUM)
        execution = pipelines.repository.get_execution(workflow, execution_id)
        assert (execution.status, execution.pricedCount, execution.priceFailedCount) == (
            ExecutionStatus.COMPLETED,
            5,
            1,
        )
        # Refused more than once: each engine retried the write before it gave up.
        assert pipelines.price_write_faults.throttled[keys.execution_pk(workflow, execution_id)] > 1
