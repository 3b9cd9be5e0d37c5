"""The test still on the in-process harness (local_aws/pipelines.py), and why.

Every other scenario, equivalence and property test drives a running
``albums local up``. This one needs what only a process holding the engines
can do:

- 20 (the six price agents run at once): the estimator is held behind a barrier
  the six must reach together. On the stack the agents run in worker processes
  (Step Functions) or in the durable function's worker, where a test cannot
  hold them; telling concurrency from the histories' timestamps instead would
  be a timed assertion.
"""

from __future__ import annotations

import threading

import pytest

from album_registry import composition
from album_registry.domain.models import (
    Album,
    PriceEstimate,
    ValidationOutcome,
    WorkflowType,
)
from album_registry.domain.ports import PriceEstimator
from local_aws.pipelines import LocalPipelines

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
