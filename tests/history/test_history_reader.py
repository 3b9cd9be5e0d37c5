"""The history reader on botocore's Stubber: the exact requests it makes, page by page."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber

from album_registry.domain import ids
from album_registry.domain.models import Execution, ExecutionStatus, WorkflowType
from albums.history.reader import HistoryReader, UploadNotFoundError

BUCKET = "shelf-photos"
KEY = "uploads/shelf.jpg"
VERSION = "v-3"
SF_ARN = "arn:aws:states:us-east-1:123456789012:execution:registration:run-1"
DURABLE_ARN = "arn:aws:lambda:us-east-1:123456789012:function:pipeline:1/durable-execution/ldf-1/abc"
T0 = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)


class RecordsInMemory:
    def __init__(self, *records: Execution) -> None:
        self._records = {(record.workflowType, record.executionId): record for record in records}

    def get_execution(self, workflow: WorkflowType, execution_id: str) -> Execution | None:
        return self._records.get((workflow, execution_id))


def execution_ids() -> dict[WorkflowType, str]:
    return {
        workflow: ids.execution_id_for_upload(workflow, bucket=BUCKET, key=KEY, version=VERSION)
        for workflow in WorkflowType
    }


def record(workflow: WorkflowType, arn: str | None, status: ExecutionStatus) -> Execution:
    return Execution(
        executionId=execution_ids()[workflow],
        workflowType=workflow,
        imageS3Key=KEY,
        status=status,
        startedAt="2026-12-06T06:00:00.000Z",
        updatedAt="2026-12-06T06:00:01.000Z",
        engineExecutionArn=arn,
    )


@pytest.fixture
def clients() -> dict[str, object]:
    return {service: boto3.client(service, region_name="us-east-1") for service in ("stepfunctions", "lambda", "s3")}


def reader(clients: dict[str, object], records: RecordsInMemory) -> HistoryReader:
    return HistoryReader(
        records=records,
        step_functions=clients["stepfunctions"],
        lambda_client=clients["lambda"],
        s3=clients["s3"],
        bucket=BUCKET,
        clock=lambda: T0.replace(second=30),
    )


def test_the_upload_s_current_version_names_both_executions_as_the_trigger_does(clients) -> None:
    with Stubber(clients["s3"]) as s3:
        s3.add_response("head_object", {"VersionId": VERSION}, {"Bucket": BUCKET, "Key": KEY})
        found = reader(clients, RecordsInMemory()).execution_ids_for_upload(KEY)
    assert found == execution_ids()
    assert found[WorkflowType.STEP_FUNCTIONS].startswith("sf-") and found[WorkflowType.DURABLE_FUNCTIONS].startswith("ldf-")
    # A version given is not looked up.
    assert reader(clients, RecordsInMemory()).execution_ids_for_upload(KEY, VERSION) == execution_ids()


def test_an_upload_that_is_not_there_is_a_clear_error(clients) -> None:
    with Stubber(clients["s3"]) as s3:
        s3.add_client_error("head_object", service_error_code="404", http_status_code=404)
        with pytest.raises(UploadNotFoundError, match=f"s3://{BUCKET}/{KEY} does not exist"):
            reader(clients, RecordsInMemory()).execution_ids_for_upload(KEY)


def test_both_histories_are_read_page_by_page_from_the_arns_the_records_carry(clients) -> None:
    records = RecordsInMemory(
        record(WorkflowType.STEP_FUNCTIONS, SF_ARN, ExecutionStatus.COMPLETED),
        record(WorkflowType.DURABLE_FUNCTIONS, DURABLE_ARN, ExecutionStatus.RUNNING),
    )
    sfn_pages = [
        [{"id": 1, "previousEventId": 0, "type": "ExecutionStarted", "timestamp": T0}],
        [
            {"id": 2, "previousEventId": 1, "type": "PassStateEntered", "timestamp": T0, "stateEnteredEventDetails": {"name": "Only"}},
            {"id": 3, "previousEventId": 2, "type": "PassStateExited", "timestamp": T0, "stateExitedEventDetails": {"name": "Only"}},
            {"id": 4, "previousEventId": 3, "type": "ExecutionSucceeded", "timestamp": T0.replace(second=2)},
        ],
    ]
    durable_pages = [
        [{"EventType": "ExecutionStarted", "EventId": 1, "Id": "e", "EventTimestamp": T0}],
        [{"EventType": "StepStarted", "EventId": 2, "Id": "s", "Name": "first", "EventTimestamp": T0.replace(second=1)}],
    ]
    with Stubber(clients["stepfunctions"]) as states, Stubber(clients["lambda"]) as durable:
        states.add_response(
            "get_execution_history", {"events": sfn_pages[0], "nextToken": "page-2"}, {"executionArn": SF_ARN, "maxResults": 1000}
        )
        states.add_response(
            "get_execution_history",
            {"events": sfn_pages[1]},
            {"executionArn": SF_ARN, "maxResults": 1000, "nextToken": "page-2"},
        )
        durable.add_response(
            "get_durable_execution_history",
            {"Events": durable_pages[0], "NextMarker": "m2"},
            {"DurableExecutionArn": DURABLE_ARN, "IncludeExecutionData": False},
        )
        durable.add_response(
            "get_durable_execution_history",
            {"Events": durable_pages[1]},
            {"DurableExecutionArn": DURABLE_ARN, "IncludeExecutionData": False, "Marker": "m2"},
        )
        history = reader(clients, records).read(execution_ids())
        states.assert_no_pending_responses()
        durable.assert_no_pending_responses()
    step_functions = history.engine(WorkflowType.STEP_FUNCTIONS)
    assert step_functions.record_status is ExecutionStatus.COMPLETED
    assert step_functions.timeline is not None and step_functions.timeline.status == "SUCCEEDED"
    assert [entry.name for entry in step_functions.timeline.entries] == ["Only"]
    assert step_functions.timeline.history_events == 4 and step_functions.ended
    durable_side = history.engine(WorkflowType.DURABLE_FUNCTIONS)
    assert durable_side.timeline is not None and durable_side.timeline.status == "RUNNING"
    assert durable_side.timeline.elapsed_seconds == 30.0
    assert [entry.name for entry in durable_side.timeline.entries] == ["first"]
    assert not history.ended
    # What the page is sent: the computed fields included.
    document = history.model_dump(mode="json")
    assert document["ended"] is False and document["engines"][0]["ended"] is True
    assert document["engines"][1]["timeline"]["replays"] == 0


def test_a_run_with_no_record_yet_is_shown_as_such_and_reads_no_engine(clients) -> None:
    records = RecordsInMemory(record(WorkflowType.STEP_FUNCTIONS, None, ExecutionStatus.RUNNING))
    with Stubber(clients["stepfunctions"]) as states, Stubber(clients["lambda"]) as durable:
        history = reader(clients, records).read(execution_ids())
        states.assert_no_pending_responses()
        durable.assert_no_pending_responses()
    assert [(engine.record_status, engine.timeline, engine.ended) for engine in history.engines] == [
        (ExecutionStatus.RUNNING, None, False),
        (None, None, False),
    ]
