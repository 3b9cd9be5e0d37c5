"""The validation API through its Lambda entry, with function URL events."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from album_registry import constants
from album_registry.adapters.dynamodb_repository import DynamoDbAlbumRepository
from album_registry.domain.errors import EngineNoLongerWaitingError
from album_registry.domain.models import (
    Album,
    AlbumStatus,
    Execution,
    ExecutionStatus,
    TaskStatus,
    ValidationOutcome,
    ValidationTask,
    WorkflowType,
)
from album_registry.domain.registration import timestamp
from album_registry.handlers import validation_api
from album_registry.handlers.observability import SERVICE_NAME
from album_registry.adapters.s3_image_links import SIGV4, S3PresignedImageLinks
from album_registry.handlers.validation_api import build_app
from local_aws.provisioning import create_registry_table
from local_aws.lambda_runtime import reset_composition
from tests.validation.conftest import BUCKET, NOW, FixedClock
from tests.validation.function_url_events import FakeLambdaContext, function_url_event

NEXT_YEAR = NOW.year + 1
_tables = itertools.count(1)
_ids = itertools.count(1)


class RecordingResumer:
    def __init__(self, error: Exception | None = None) -> None:
        self.resumed: list[tuple[str, str, str]] = []
        self._error = error
        self._lock = threading.Lock()

    def resume_step_functions(self, task_id: str, task_token: str, payload: str) -> None:
        self._record("sfn", task_token, payload)

    def resume_durable(self, task_id: str, callback_id: str, payload: str) -> None:
        self._record("durable", callback_id, payload)

    def _record(self, engine: str, handle: str, payload: str) -> None:
        with self._lock:
            self.resumed.append((engine, handle, payload))
        if self._error is not None:
            raise self._error


class Answer:
    def __init__(self, result: dict[str, Any]) -> None:
        self.status: int = result["statusCode"]
        self.headers: dict[str, str] = result.get("headers") or {}
        self.text: str = result.get("body") or ""

    def json(self) -> Any:
        return json.loads(self.text)


class Api:
    """One table, one app over it, and the engine resumes it asked for."""

    def __init__(self, *, resumer: RecordingResumer | None = None, clock: FixedClock | None = None) -> None:
        self.table = f"albums-api-{next(_tables)}"
        create_registry_table(boto3.client("dynamodb"), self.table)
        self.repository = DynamoDbAlbumRepository(boto3.client("dynamodb"), self.table)
        self.resumer = resumer or RecordingResumer()
        self.clock = clock or FixedClock()
        self.app = build_app(
            repository=self.repository,
            resumer=self.resumer,
            clock=self.clock,
            images=S3PresignedImageLinks(boto3.client("s3", config=SIGV4), BUCKET),
        )

    def call(self, method: str, path: str, **event: Any) -> Answer:
        return Answer(self.app.resolve(function_url_event(method, path, **event), FakeLambdaContext()))

    def task(
        self,
        workflow: WorkflowType = WorkflowType.STEP_FUNCTIONS,
        *,
        status: TaskStatus = TaskStatus.PENDING,
        created_offset: int = 0,
        expires_in: int = 3600,
    ) -> ValidationTask:
        """A paused workflow's task with a distinctive resume handle."""
        execution_id = f"{workflow.short_name}-{next(_ids):032x}"
        created = NOW + timedelta(seconds=created_offset)
        task = ValidationTask(
            taskId=f"task-{execution_id}",
            executionId=execution_id,
            workflowType=workflow,
            status=status,
            albums=six_albums(),
            imageS3Key=f"uploads/{execution_id}.jpg",
            createdAt=timestamp(created),
            expiresAt=timestamp(created + timedelta(seconds=expires_in)),
            taskToken=f"SECRET-TOKEN-{execution_id}" if workflow is WorkflowType.STEP_FUNCTIONS else None,
            callbackId=f"SECRET-CALLBACK-{execution_id}" if workflow is WorkflowType.DURABLE_FUNCTIONS else None,
        )
        self.repository.create_task(task)
        return task


def six_albums() -> list[Album]:
    return [
        Album(
            albumIndex=index,
            artist=f"Artist {index}",
            albumName=f"Album {index}",
            year=1960 + index,
            yearOriginal=1960 + index,
            confidence=0.5 if index == 3 else 0.95,
            coverBox=((index - 1) % 3 / 3, (index - 1) // 3 / 2, 1 / 3, 1 / 2),
        )
        for index in range(1, 7)
    ]


@pytest.fixture
def api(in_process_aws: None) -> Api:
    return Api()


# ---- listing ----------------------------------------------------------------


def test_pending_tasks_of_both_patterns_come_oldest_first(api: Api) -> None:
    newest = api.task(WorkflowType.STEP_FUNCTIONS, created_offset=30)
    oldest = api.task(WorkflowType.DURABLE_FUNCTIONS, created_offset=10)
    middle = api.task(WorkflowType.STEP_FUNCTIONS, created_offset=20)
    api.task(WorkflowType.STEP_FUNCTIONS, status=TaskStatus.COMPLETED, created_offset=5)
    answer = api.call("GET", "/tasks")
    assert answer.status == 200
    assert [t["taskId"] for t in answer.json()["tasks"]] == [oldest.taskId, middle.taskId, newest.taskId]
    assert answer.json()["nextToken"] is None
    only_sf = api.call("GET", "/tasks", query={"workflowType": "step-functions"}).json()["tasks"]
    assert [t["taskId"] for t in only_sf] == [middle.taskId, newest.taskId]
    listed = answer.json()["tasks"][0]
    assert listed["lowConfidenceCount"] == 1 and listed["status"] == "pending"


def test_pages_walk_every_task_once_in_order(api: Api) -> None:
    made = [api.task(workflow, created_offset=offset) for offset, workflow in enumerate(list(WorkflowType) * 4)]
    seen: list[str] = []
    token: str | None = None
    for _ in range(10):
        query = {"limit": "3", **({"nextToken": token} if token else {})}
        page = api.call("GET", "/tasks", query=query).json()
        assert len(page["tasks"]) <= 3
        seen += [t["taskId"] for t in page["tasks"]]
        token = page["nextToken"]
        if token is None:
            break
    assert seen == [task.taskId for task in made]


def test_completed_tasks_are_listed_by_status(api: Api) -> None:
    done = api.task(WorkflowType.DURABLE_FUNCTIONS, status=TaskStatus.COMPLETED)
    api.task(WorkflowType.DURABLE_FUNCTIONS)
    listed = api.call("GET", "/tasks", query={"status": "completed"}).json()["tasks"]
    assert [t["taskId"] for t in listed] == [done.taskId]


# ---- one task -----------------------------------------------------------------


def test_a_task_comes_with_six_albums_and_a_link_to_its_photo(api: Api) -> None:
    task = api.task(WorkflowType.DURABLE_FUNCTIONS)
    answer = api.call("GET", f"/tasks/{task.taskId}")
    assert answer.status == 200
    body = answer.json()
    assert [album["albumIndex"] for album in body["albums"]] == [1, 2, 3, 4, 5, 6]
    assert body["albums"][0]["coverBox"] == [0.0, 0.0, pytest.approx(1 / 3), 0.5]
    assert body["imageUrl"] == f"/tasks/{task.taskId}/image"
    assert body["lowConfidenceBelow"] == validation_api.LOW_CONFIDENCE
    image = api.call("GET", body["imageUrl"])
    assert image.status == 307
    location = image.headers["Location"]
    assert BUCKET in location and task.imageS3Key in location and "X-Amz-Signature" in location


# ---- submitting ---------------------------------------------------------------


@pytest.mark.parametrize("workflow", list(WorkflowType), ids=lambda w: w.short_name)
def test_corrections_close_the_task_and_resume_its_engine_once(api: Api, workflow: WorkflowType) -> None:
    task = api.task(workflow)
    body = {"corrections": [{"albumIndex": 3, "year": 1971}, {"albumIndex": 5, "artist": "  Someone Else "}]}
    answer = api.call("POST", f"/tasks/{task.taskId}", body=body)
    assert answer.status == 200, answer.text
    assert answer.json()["task"]["status"] == "completed"
    assert api.repository.get_task(workflow, task.taskId).status is TaskStatus.COMPLETED
    [(engine, handle, payload)] = api.resumer.resumed
    assert engine == ("sfn" if workflow is WorkflowType.STEP_FUNCTIONS else "durable")
    assert handle == (task.taskToken or task.callbackId)
    outcome = ValidationOutcome.model_validate_json(payload)
    assert outcome.reviewed is True
    assert [(c.albumIndex, c.year, c.artist) for c in outcome.corrections] == [(3, 1971, None), (5, None, "Someone Else")]


def test_accept_resumes_with_no_corrections(api: Api) -> None:
    task = api.task()
    assert api.call("POST", f"/tasks/{task.taskId}", body={"accept": True}).status == 200
    [(_, _, payload)] = api.resumer.resumed
    assert ValidationOutcome.model_validate_json(payload) == ValidationOutcome(reviewed=True, corrections=[])


def test_next_year_is_the_latest_year_accepted(api: Api) -> None:
    task = api.task()
    answer = api.call("POST", f"/tasks/{task.taskId}", body={"corrections": [{"albumIndex": 1, "year": NEXT_YEAR}]})
    assert answer.status == 200, answer.text


def test_a_second_submit_is_a_conflict_and_sends_nothing(api: Api) -> None:
    task = api.task(WorkflowType.DURABLE_FUNCTIONS)
    assert api.call("POST", f"/tasks/{task.taskId}", body={"accept": True}).status == 200
    again = api.call("POST", f"/tasks/{task.taskId}", body={"corrections": [{"albumIndex": 1, "year": 1999}]})
    assert again.status == 409
    assert again.json()["taskStatus"] == "completed"
    assert len(api.resumer.resumed) == 1


class ReadTogetherRepository:
    """Lets two submits both read the pending task before either closes it.

    The close itself is serialized, as DynamoDB's conditional write is atomic;
    moto's in-process check-then-put is not atomic across threads.
    """

    def __init__(self, inner: DynamoDbAlbumRepository) -> None:
        self._inner = inner
        self._both_read = threading.Barrier(2, timeout=10)
        self._write = threading.Lock()

    def close_task(self, task: ValidationTask, *, expected_status: str) -> bool:
        self._both_read.wait()
        with self._write:
            return self._inner.close_task(task, expected_status=expected_status)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_racing_submits_resume_the_engine_once(api: Api) -> None:
    task = api.task(WorkflowType.STEP_FUNCTIONS)
    app = build_app(
        repository=ReadTogetherRepository(api.repository),  # type: ignore[arg-type]
        resumer=api.resumer,
        clock=api.clock,
        images=S3PresignedImageLinks(boto3.client("s3", config=SIGV4), BUCKET),
    )
    statuses: list[int] = []

    def submit(year: int) -> None:
        event = function_url_event("POST", f"/tasks/{task.taskId}", body={"corrections": [{"albumIndex": 2, "year": year}]})
        statuses.append(app.resolve(event, FakeLambdaContext())["statusCode"])

    threads = [threading.Thread(target=submit, args=(year,)) for year in (1980, 1990)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(statuses) == [200, 409]
    assert len(api.resumer.resumed) == 1


def test_a_timed_out_task_is_a_conflict(api: Api) -> None:
    task = api.task(WorkflowType.DURABLE_FUNCTIONS, status=TaskStatus.TIMEOUT)
    answer = api.call("POST", f"/tasks/{task.taskId}", body={"accept": True})
    assert answer.status == 409
    assert answer.json()["taskStatus"] == "timeout"
    assert api.resumer.resumed == []


def test_an_expired_task_still_pending_is_a_conflict_and_stays_open_for_its_engine(api: Api) -> None:
    task = api.task(WorkflowType.STEP_FUNCTIONS, created_offset=-7200, expires_in=3600)
    answer = api.call("POST", f"/tasks/{task.taskId}", body={"accept": True})
    assert answer.status == 409
    assert answer.json()["taskStatus"] == "expired"
    assert api.resumer.resumed == []
    assert api.repository.get_task(WorkflowType.STEP_FUNCTIONS, task.taskId).status is TaskStatus.PENDING


def test_an_engine_that_gave_up_is_reported_as_a_conflict(in_process_aws: None) -> None:
    api = Api(resumer=RecordingResumer(error=EngineNoLongerWaitingError(task_id="t", reason="TaskTimedOut")))
    task = api.task(WorkflowType.STEP_FUNCTIONS)
    answer = api.call("POST", f"/tasks/{task.taskId}", body={"accept": True})
    assert answer.status == 409
    assert "expired on its engine" in answer.json()["message"]
    assert api.repository.get_task(WorkflowType.STEP_FUNCTIONS, task.taskId).status is TaskStatus.TIMEOUT


def test_an_answer_that_does_not_get_through_reopens_the_task(in_process_aws: None) -> None:
    failure = ClientError({"Error": {"Code": "ServiceException", "Message": "boom"}}, "SendTaskSuccess")
    api = Api(resumer=RecordingResumer(error=failure))
    task = api.task(WorkflowType.STEP_FUNCTIONS)
    with pytest.raises(ClientError, match="boom"):  # the function fails; Lambda answers 502
        api.call("POST", f"/tasks/{task.taskId}", body={"accept": True})
    assert api.repository.get_task(WorkflowType.STEP_FUNCTIONS, task.taskId).status is TaskStatus.PENDING


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("task_id", ["task-sf-" + "0" * 32, "task-ldf-" + "f" * 32, "nonsense", "task-xx-1"])
def test_unknown_tasks_are_not_found(api: Api, method: str, task_id: str) -> None:
    answer = api.call(method, f"/tasks/{task_id}", body={"accept": True} if method == "POST" else None)
    assert answer.status == 404
    assert "not found" in answer.json()["message"]


# ---- invalid input --------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"corrections": [{"albumIndex": 3, "year": 1899}]}, "corrections[0].year"),
        ({"corrections": [{"albumIndex": 3, "year": NEXT_YEAR + 1}]}, "corrections[0].year"),
        ({"corrections": [{"albumIndex": 3, "year": "1971"}]}, "corrections[0].year"),
        ({"corrections": [{"albumIndex": 1, "year": 1971}, {"albumIndex": 2, "artist": ""}]}, "corrections[1].artist"),
        ({"corrections": [{"albumIndex": 2, "albumName": "x" * 201}]}, "corrections[0].albumName"),
        ({"corrections": [{"albumIndex": 7, "year": 1971}]}, "corrections[0].albumIndex"),
        ({"corrections": [{"albumIndex": 2, "colour": "red"}]}, "corrections[0].colour"),
        ({"corrections": [{"albumIndex": 2}]}, "corrections[0]"),
        ({"corrections": [{"albumIndex": 2, "year": 1970}, {"albumIndex": 2, "year": 1971}]}, "corrections[1].albumIndex"),
        ({"accept": True, "corrections": [{"albumIndex": 2, "year": 1970}]}, "corrections"),
        ({}, "corrections"),
        ({"accept": "yes"}, "accept"),
        ([1, 2], "body"),
    ],
)
def test_invalid_submissions_name_the_field(api: Api, body: Any, field: str) -> None:
    task = api.task()
    answer = api.call("POST", f"/tasks/{task.taskId}", body=body)
    assert answer.status == 422, answer.text
    assert field in [entry["field"] for entry in answer.json()["fields"]]
    assert field in answer.json()["message"] or answer.json()["fields"][0]["field"] != field
    assert api.resumer.resumed == []


@pytest.mark.parametrize("raw", ["not json", "", "{", "null"])
def test_unreadable_bodies_are_unprocessable(api: Api, raw: str) -> None:
    task = api.task()
    answer = api.call("POST", f"/tasks/{task.taskId}", raw_body=raw)
    assert answer.status == 422
    assert answer.json()["fields"][0]["field"] == "body"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "waiting"}, "status"),
        ({"workflowType": "lambda"}, "workflowType"),
        ({"limit": "0"}, "limit"),
        ({"nextToken": "%%%"}, "nextToken"),
        ({"nextToken": "aGVsbG8"}, "nextToken"),
    ],
)
def test_invalid_list_queries_name_the_parameter(api: Api, query: dict[str, str], field: str) -> None:
    answer = api.call("GET", "/tasks", query=query)
    assert answer.status == 422
    assert [entry["field"] for entry in answer.json()["fields"]] == [field]


_TEXT_FIELDS = ("artist", "albumName")
invalid_corrections = st.one_of(
    st.tuples(st.just("year"), st.integers(max_value=1899) | st.integers(min_value=NEXT_YEAR + 1)),
    st.tuples(st.just("year"), st.text(max_size=5) | st.floats(allow_nan=False) | st.booleans()),
    st.tuples(st.sampled_from(_TEXT_FIELDS), st.text(alphabet=" \t\n", max_size=3)),
    st.tuples(st.sampled_from(_TEXT_FIELDS), st.text(min_size=201, max_size=260).filter(lambda s: len(s.strip()) > 200)),
    st.tuples(st.sampled_from(_TEXT_FIELDS), st.integers() | st.booleans() | st.lists(st.text(), max_size=2)),
    st.tuples(st.just("albumIndex"), st.integers().filter(lambda i: not 1 <= i <= 6) | st.text(max_size=3)),
)


@pytest.fixture(scope="module")
def untouchable(in_process_aws: None) -> tuple[Api, ValidationTask]:
    """A pending task that only ever receives invalid submissions."""
    api = Api()
    return api, api.task()


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=invalid_corrections, position=st.integers(min_value=0, max_value=2))
def test_any_invalid_correction_is_refused_naming_its_field(
    untouchable: tuple[Api, ValidationTask], case: tuple[str, Any], position: int
) -> None:
    api, task = untouchable
    field, value = case
    corrections = [{"albumIndex": index, "year": 1970} for index in range(1, position + 1)]
    bad = {"albumIndex": position + 1, "year": 1980} | {field: value}
    answer = api.call("POST", f"/tasks/{task.taskId}", body={"corrections": [*corrections, bad]})
    assert answer.status == 422, answer.text
    assert answer.json()["fields"][0]["field"] == f"corrections[{position}].{field}"
    assert api.resumer.resumed == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["accept", "corrections", "albumIndex", "year", "artist", "x"]) | st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=json_values)
def test_arbitrary_bodies_never_break_the_api(untouchable: tuple[Api, ValidationTask], body: Any) -> None:
    api, _ = untouchable
    # A well-formed id nobody holds: a valid body is a 404, anything else a 422.
    answer = api.call("POST", "/tasks/task-ldf-" + "e" * 32, body=body)
    assert answer.status in (404, 422), answer.text
    if answer.status == 422:
        assert answer.json()["fields"] and all(entry["field"] for entry in answer.json()["fields"])
    assert api.resumer.resumed == []


# ---- registry and executions ------------------------------------------------------


def test_the_registry_lists_priced_albums_of_either_pattern(api: Api) -> None:
    for workflow in WorkflowType:
        execution_id = f"{workflow.short_name}-{next(_ids):032x}"
        albums = six_albums()
        api.repository.save_albums(workflow, execution_id, albums)
        for album in albums[:4]:
            api.repository.save_album(
                workflow,
                execution_id,
                album.model_copy(update={"status": AlbumStatus.PRICED, "priceEstimate": 24.5, "priceConfidence": 0.8, "priceSource": "offline-catalog"}),
            )
    both = api.call("GET", "/albums").json()["albums"]
    assert len(both) == 8
    assert {entry["workflowType"] for entry in both} == {w.value for w in WorkflowType}
    assert all(entry["priceEstimate"] == 24.5 and entry["priceSource"] == "offline-catalog" for entry in both)
    durable = api.call("GET", "/albums", query={"workflowType": "durable-functions"}).json()["albums"]
    assert len(durable) == 4 and all(e["executionId"].startswith("ldf-") for e in durable)
    extracted = api.call("GET", "/albums", query={"status": "extracted"}).json()["albums"]
    assert len(extracted) == 4


def test_executions_of_both_patterns_come_newest_first(api: Api) -> None:
    made = []
    for offset, workflow in enumerate(list(WorkflowType) * 2):
        started = timestamp(NOW + timedelta(seconds=offset))
        execution = Execution(
            executionId=f"{workflow.short_name}-{next(_ids):032x}",
            workflowType=workflow,
            imageS3Key="uploads/shelf.jpg",
            bucket=BUCKET,
            status=ExecutionStatus.COMPLETED if offset % 2 else ExecutionStatus.WAITING_VALIDATION,
            startedAt=started,
            updatedAt=started,
        )
        api.repository.create_execution(execution)
        made.append(execution)
    listed = api.call("GET", "/executions").json()["executions"]
    assert [e["executionId"] for e in listed] == [e.executionId for e in reversed(made)]
    assert listed[0]["status"] == "completed"


# ---- secrets ------------------------------------------------------------------------


def capture_application_logs(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    """From here on: everything at INFO, the Lambda's default, and the API's own loggers at DEBUG.

    (botocore's DEBUG wire logs hold whole items; no Lambda of this project enables them.)
    """
    capsys.readouterr()
    caplog.clear()
    caplog.set_level("INFO")
    for name in (SERVICE_NAME, "aws_lambda_powertools"):
        caplog.set_level("DEBUG", logger=name)


@pytest.fixture
def handler_stack(in_process_aws: None) -> Iterator[Api]:
    """The module-level Lambda handler, built from the environment by composition."""
    seeded = Api()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(constants.TABLE_NAME_ENV, seeded.table)
        reset_composition()
        validation_api.default_app.cache_clear()
        yield seeded
    validation_api.default_app.cache_clear()
    reset_composition()


def test_resume_handles_never_leave_the_server_nor_reach_the_logs(
    handler_stack: Api, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    seeded = handler_stack
    pending = [seeded.task(WorkflowType.STEP_FUNCTIONS), seeded.task(WorkflowType.DURABLE_FUNCTIONS)]
    closed = seeded.task(WorkflowType.STEP_FUNCTIONS, status=TaskStatus.COMPLETED)
    capture_application_logs(capsys, caplog)
    secrets = [task.taskToken or task.callbackId for task in [*pending, closed]]

    def call(method: str, path: str, **event: Any) -> Answer:
        return Answer(validation_api.handler(function_url_event(method, path, **event), FakeLambdaContext()))

    answers = [
        call("GET", "/tasks"),
        call("GET", "/tasks", query={"status": "completed"}),
        *(call("GET", f"/tasks/{task.taskId}") for task in pending),
        call("GET", f"/tasks/{pending[0].taskId}/image"),
        call("POST", f"/tasks/{closed.taskId}", body={"accept": True}),
        call("POST", f"/tasks/{pending[0].taskId}", body={"corrections": [{"albumIndex": 1, "year": 1800}]}),
        call("GET", "/albums"),
        call("GET", "/executions"),
    ]
    assert [a.status for a in answers] == [200, 200, 200, 200, 307, 409, 422, 200, 200]
    exposed = "\n".join(a.text + json.dumps(a.headers) for a in answers)
    captured = capsys.readouterr()
    logged = captured.out + captured.err + caplog.text
    assert "validation submitted" not in logged  # nothing was submitted, so no success line either
    for secret in secrets:
        assert secret and secret not in exposed and secret not in logged
    assert "taskToken" not in exposed and "callbackId" not in exposed


def test_a_submission_logs_the_task_but_not_its_handle(
    api: Api, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    task = api.task(WorkflowType.DURABLE_FUNCTIONS)
    capture_application_logs(capsys, caplog)
    answer = api.call("POST", f"/tasks/{task.taskId}", body={"corrections": [{"albumIndex": 4, "year": 1984}]})
    assert answer.status == 200
    logged = capsys.readouterr().out + caplog.text
    assert task.taskId in logged and "validation submitted" in logged
    assert task.callbackId not in logged and task.callbackId not in answer.text
