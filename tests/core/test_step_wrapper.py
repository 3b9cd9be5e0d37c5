"""The one step wrapper both shells use (``handlers/steps.py``): models in and
out, the run's metrics flushed once, the failure named as the ASL names it."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from album_registry.domain.errors import ServiceError
from album_registry.domain.models import Album, Execution, ExecutionStatus, Upload, WorkflowType
from album_registry.handlers import steps
from albums.bench.emf import EmfCapture
from tests.validation.function_url_events import FakeLambdaContext

WORKFLOW = WorkflowType.DURABLE_FUNCTIONS
shell = steps.Shell(WORKFLOW)
EXECUTION = Execution(
    executionId="ldf-0123",
    workflowType=WORKFLOW,
    imageS3Key="uploads/a.jpg",
    bucket="b",
    startedAt="2026-01-01T00:00:00.000Z",
    updatedAt="2026-01-01T00:00:02.000Z",
    status=ExecutionStatus.COMPLETED,
    durationMs=2000,
    priceFailedCount=1,
)


@shell.step("complete-execution")
def complete(execution_id: str, upload: Upload) -> Execution:
    assert isinstance(upload, Upload)
    steps.execution_completed(EXECUTION)
    return EXECUTION


def test_models_cross_the_boundary_as_plain_values():
    with EmfCapture():
        result = complete("ldf-0123", {"bucket": "b", "key": "uploads/a.jpg", "version": "1"})
    assert result == EXECUTION.model_dump(mode="json")


def test_one_run_flushes_its_duration_per_step_and_its_outcomes_per_workflow():
    with EmfCapture() as capture:
        complete("ldf-0123", {"bucket": "b", "key": "uploads/a.jpg"})
    samples = capture.samples("VinylAlbums/DurableFunctions")
    by_name = {sample.name: sample for sample in samples}
    assert sorted(by_name) == ["ExecutionsCompleted", "PriceAgentFailures", "StepDuration", "WorkflowDuration"]
    assert by_name["StepDuration"].dimensions["step"] == "complete-execution"
    assert all("step" not in by_name[name].dimensions for name in by_name if name != "StepDuration")
    assert (by_name["WorkflowDuration"].value, by_name["PriceAgentFailures"].value) == (2000, 1)
    assert {sample.execution_id for sample in samples} == {"ldf-0123"}
    assert {sample.dimensions["workflowType"] for sample in samples} == {WORKFLOW.value}


def test_a_native_write_fails_under_the_name_the_state_machine_gives_it():
    @shell.step("record-price", native_write=True)
    def write(execution_id: str) -> None:
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "PutItem")

    with EmfCapture() as capture, pytest.raises(ServiceError, match=r"^DynamoDB\.ThrottlingException$"):
        write("ldf-0123")
    assert [sample.name for sample in capture.samples("VinylAlbums/DurableFunctions")] == ["StepDuration"]


def test_a_task_lambda_gets_its_step_arguments_from_the_event_fields():
    task = steps.Shell(WorkflowType.STEP_FUNCTIONS).task("estimate-price")

    @task
    def estimate_price_handler(execution_id: str, album: Album) -> dict[str, str]:
        """The price agent."""
        return {"executionId": execution_id, "albumIndex": str(album.albumIndex)}

    event = {"executionId": "sf-0123", "album": {"albumIndex": 3, "artist": "Nico", "albumName": "Chelsea Girl"}}
    with EmfCapture():
        answer = estimate_price_handler(event, FakeLambdaContext())
    assert answer == {"executionId": "sf-0123", "albumIndex": "3"}
    assert (estimate_price_handler.__name__, estimate_price_handler.__doc__) == ("estimate_price_handler", "The price agent.")


def test_outcomes_outside_a_step_are_refused():
    with pytest.raises(RuntimeError, match="outside a step"):
        steps.execution_started()
