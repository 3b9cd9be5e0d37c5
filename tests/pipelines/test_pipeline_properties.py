"""Properties that only show in a run, on both engines, each by what it would break.

On a running ``albums local up`` (see tests/stack_pipelines.py).

- 16: a workflow waiting for a person holds no compute: the engine's own history
  shows no Lambda and no durable invocation between the wait's start and its end,
  and shows the pattern running code again after it.
- 20: the six price agents run at once: the stack's price agents ask a Discogs
  stand-in (``discogsBaseUrl``) that answers no search before all six are
  searching together, so a run whose agents do not overlap prices nothing.
- 31: a failing step logs an error record that carries the execution, the step
  and the error's stable code, in the log of the function that ran it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from album_registry.adapters.discogs_prices import DISCOGS_PRICE_SOURCE
from album_registry.domain import ids
from album_registry.domain.models import AlbumStatus, ExecutionStatus, TaskStatus, ValidationOutcome, WorkflowType
from tests.discogs_stand_in import DiscogsStandIn, SearchesTogether, suggested_price
from tests.stack_pipelines import (
    SHORT_VALIDATION_TIMEOUT_SECONDS,
    EngineOutcome,
    PipelinesOnStack,
    StackPool,
    StartedUpload,
)

ENGINES = pytest.mark.parametrize("workflow", list(WorkflowType), ids=lambda w: w.short_name)
ACCEPT = ValidationOutcome(reviewed=True)
# Events of the engines' histories that start the pattern's code.
STEP_FUNCTIONS_INVOCATIONS = ("TaskScheduled", "LambdaFunctionScheduled")


def _invocations_around_the_wait(pipelines: PipelinesOnStack, workflow: WorkflowType, arn: str) -> tuple[int, int]:
    """Invocations the engine's own history shows during the wait, and after it."""
    if workflow is WorkflowType.STEP_FUNCTIONS:
        kinds = [event["type"] for event in pipelines.state_machine_history(arn)]
        start = kinds.index("TaskSubmitted")  # the task Lambda of the wait returned: the pause begins
        end = kinds.index("TaskTimedOut", start)
        during = sum(kind in STEP_FUNCTIONS_INVOCATIONS for kind in kinds[start:end])
        return during, sum(kind in STEP_FUNCTIONS_INVOCATIONS for kind in kinds[end:])
    kinds = [event["EventType"] for event in pipelines.durable_history(arn)]
    start = kinds.index("CallbackStarted")
    end = kinds.index("CallbackTimedOut", start)
    # The invocation that opened the task ends after the callback started; no other may.
    during = sum(kind == "InvocationCompleted" for kind in kinds[start:end]) - 1
    return during, sum(kind == "InvocationCompleted" for kind in kinds[end:])


@pytest.fixture(scope="module")
def unanswered(stack_pool, shelf_photo) -> tuple[PipelinesOnStack, StartedUpload, dict[WorkflowType, EngineOutcome]]:
    """One upload nobody answers; the engines' own timeouts end both waits."""
    pipelines = stack_pool.stack(validationTimeoutSeconds=SHORT_VALIDATION_TIMEOUT_SECONDS)
    started = pipelines.put_photo(shelf_photo, "uploads/paused.jpg")
    for workflow in WorkflowType:
        pipelines.wait_for_task(workflow, started.execution_id(workflow))
    return pipelines, started, {w: pipelines.wait_for_execution_outcome(w, started.execution_id(w)) for w in WorkflowType}


@ENGINES
def test_a_workflow_waiting_for_a_person_runs_nothing(unanswered, workflow):
    """Property 16: while the task is pending nothing runs, and nothing starts until the wait ends."""
    pipelines, started, outcomes = unanswered
    outcome = outcomes[workflow]
    assert outcome.status == "SUCCEEDED", outcome.error
    task = pipelines.repository.get_task(workflow, ids.task_id_for_execution(started.execution_id(workflow)))
    assert task.status is TaskStatus.TIMEOUT
    during, after = _invocations_around_the_wait(pipelines, workflow, outcome.arn)
    assert during == 0
    # And the pattern did run code after the wait: the history shows the right compute.
    assert after > 0


@pytest.mark.parametrize(
    ("plan", "review", "step", "code"),
    [
        pytest.param({"vision_unavailable_calls": -1}, None, "process-image", "VisionUnavailableError", id="vision-down"),
        pytest.param({"price_failing_albums": [2]}, ACCEPT, "estimate-price", "PriceEstimationError", id="price-agent-down"),
    ],
)
def test_a_failing_step_logs_its_execution_step_and_error_code(stack_pool, shelf_photo, plan, review, step, code):
    """Property 31, on both engines: the error record names the run, the step and the stable code."""
    pipelines = stack_pool.stack(faultInjection=plan)
    started = pipelines.put_photo(shelf_photo, "uploads/logged.jpg")
    if review is not None:
        for workflow in WorkflowType:
            pipelines.submit(pipelines.wait_for_task(workflow, started.execution_id(workflow)).taskId, review)
    for workflow in WorkflowType:
        pipelines.wait_for_execution_outcome(workflow, started.execution_id(workflow))
    records = [record for record in pipelines.log_records() if record["level"] == "ERROR"]
    for workflow in WorkflowType:
        logged = [
            record
            for record in records
            if record.get("executionId") == started.execution_id(workflow) and record.get("step") == step
        ]
        assert logged, f"{workflow.value}: no error record of {step} for its execution"
        assert all(record["errorCode"] == code and record["level"] == "ERROR" for record in logged)
        assert all("Traceback" not in record["error"] and "\n" not in record["error"] for record in logged)
        execution = pipelines.repository.get_execution(workflow, started.execution_id(workflow))
        assert execution.status in (ExecutionStatus.COMPLETED, ExecutionStatus.FAILED)


AGENTS = 6
# Only a round whose six agents never search together waits this long: then the barrier breaks.
BARRIER_SECONDS = 120
DISCOGS_TOKEN = "StAnDiNdIsCoGsToKeN0123456789abcdef"


@pytest.fixture(scope="module")
def discogs() -> Iterator[DiscogsStandIn]:
    with DiscogsStandIn(SearchesTogether(AGENTS, BARRIER_SECONDS)).serving() as stand_in:
        yield stand_in


@pytest.fixture(scope="module")
def priced_together(stack_pool: StackPool, shelf_photo: bytes, discogs: DiscogsStandIn):
    """One upload priced from the stand-in, one engine's agents at a time (the stand-in cannot
    tell the engines apart): each engine's outcome, the albums its agents searched together,
    and whether the barrier broke waiting for them.

    Six execution environments per function: the Step Functions Map runs six price-agent
    Lambdas at once (the durable function runs its six in one invocation)."""
    pipelines = stack_pool.stack(workers=AGENTS, discogsBaseUrl=discogs.url)
    pipelines.set_discogs_token(DISCOGS_TOKEN)
    started = pipelines.put_photo(shelf_photo, "uploads/together.jpg")
    tasks = {w: pipelines.wait_for_task(w, started.execution_id(w)) for w in WorkflowType}
    outcomes, together = {}, {}
    for workflow in WorkflowType:
        discogs.searches.next_round()
        pipelines.submit(tasks[workflow].taskId, ACCEPT)
        # Long enough for a barrier that breaks to show as broken, with the run's agents failed after it.
        outcomes[workflow] = pipelines.wait_for_execution_outcome(
            workflow, started.execution_id(workflow), timeout=BARRIER_SECONDS + 120
        )
        together[workflow] = (discogs.searches.released, discogs.searches.broken)
    return pipelines, started, outcomes, together


@ENGINES
def test_the_six_price_agents_run_at_once(priced_together, discogs: DiscogsStandIn, workflow: WorkflowType):
    """Property 20: every agent's search is held until all six are searching; all six are priced from it."""
    pipelines, started, outcomes, together = priced_together
    released, broken = together[workflow]
    assert outcomes[workflow].status == "SUCCEEDED", outcomes[workflow].error
    assert not broken
    albums = pipelines.repository.get_albums(workflow, started.execution_id(workflow))
    named = {f"{album.artist} - {album.albumName}": album for album in albums}
    assert len(named) == AGENTS
    assert released == set(named)
    for name, album in named.items():
        assert (album.status, album.priceSource) == (AlbumStatus.PRICED, DISCOGS_PRICE_SOURCE), album
        assert album.priceEstimate == suggested_price(discogs.release_of(name))
    execution = pipelines.repository.get_execution(workflow, started.execution_id(workflow))
    assert (execution.pricedCount, execution.priceFailedCount) == (AGENTS, 0)
