"""``make demo``: the main job, end to end, on the embedded local stack.

Starts ``albums local up`` in this process, uploads three sample shelf
photos, plays the person in the loop (one photo gets a year filled in, one is
accepted as read, one is left to time out), waits for all six workflows and
prints both patterns side by side, with the engines' own counts.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from album_registry.adapters.dynamodb_repository import DynamoDbAlbumRepository
from album_registry.domain import ids
from album_registry.domain.models import Album, AlbumCorrection, Execution, ValidationOutcome, WorkflowType
from albums.bench.cost_model import (
    billable_durable_operations,
    count_durable_operations,
    count_state_transitions,
    durable_operations_cost,
    load_price_table,
    step_functions_cost,
)
from local_aws.stack_info import free_loopback_port
from local_aws.server import LocalStack
from albums.stack_access import StackAccess
from albums.stack_outputs import StackOutputs
from albums.ui.validation_client import validation_api

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
DEMO_PHOTOS = ("shelf-01.jpg", "shelf-02.jpg", "shelf-03.jpg")
VALIDATION_TIMEOUT_SECONDS = 15
FINISH_TIMEOUT_SECONDS = 120
TYPED_YEAR = 1979  # what the demo's person types for an album the catalog does not know
FINAL = ("completed", "failed")
PER_MILLION = 1_000_000


@dataclass
class DemoPhoto:
    name: str
    key: str
    execution_ids: dict[WorkflowType, str]
    plan: str  # "correct" | "accept" | "timeout"


class Demo:
    def __init__(self, say: Callable[[str], None] | None = None) -> None:
        # The functions' JSON logs and EMF metrics go to a file; the story to the terminal.
        self._say = say or (lambda line: print(line, file=sys.__stdout__, flush=True))

    def run(self) -> int:
        started = time.perf_counter()
        data_dir = Path(tempfile.mkdtemp(prefix="albums-demo-"))
        config = {"vinyl-album-registry:validationTimeoutSeconds": VALIDATION_TIMEOUT_SECONDS}
        function_log = data_dir / "functions.log"
        self._say(f"Starting the local stack (data and the functions' logs in {data_dir}) ...")
        with function_log.open("w") as log, contextlib.redirect_stdout(log), LocalStack(
            port=free_loopback_port(), data_dir=data_dir, config=config
        ) as stack:
            access = StackAccess(
                name="local", outputs=StackOutputs.model_validate(stack.deployment.outputs), endpoint_url=stack.endpoint
            )
            self._say(f"  endpoint {stack.endpoint}, ready in {time.perf_counter() - started:.1f} s")
            repository = access.adapters().repository
            photos = self._upload(access)
            self._play_the_person(access, repository, photos)
            executions = self._wait_until_finished(repository, photos)
            self._summarize(access, repository, photos, executions)
        self._say(
            "\nOrchestration prices come from albums/bench/price_table.json (us-east-1); "
            "`albums bench` adds compute, storage and AI, and the cost as the human wait grows."
        )
        self._say(f"Demo finished in {time.perf_counter() - started:.1f} s; the local stack is stopped.")
        failed = [e for e in executions.values() if e.status.value != "completed"]
        return 1 if failed else 0

    def _upload(self, access: StackAccess) -> list[DemoPhoto]:
        s3 = access.client("s3")
        bucket = access.outputs.bucket_name
        photos = []
        for name, plan in zip(DEMO_PHOTOS, ("correct", "accept", "timeout"), strict=True):
            key = f"uploads/{name}"
            version = s3.put_object(Bucket=bucket, Key=key, Body=(SAMPLES / name).read_bytes())["VersionId"]
            execution_ids = {
                workflow: ids.execution_id_for_upload(workflow, bucket=bucket, key=key, version=version)
                for workflow in WorkflowType
            }
            photos.append(DemoPhoto(name, key, execution_ids, plan))
            self._say(f"Uploaded {key}: EventBridge starts both pipelines ({' and '.join(execution_ids.values())})")
        return photos

    def _play_the_person(self, access: StackAccess, repository: DynamoDbAlbumRepository, photos: list[DemoPhoto]) -> None:
        answers = validation_api(access)
        for photo in photos:
            if photo.plan == "timeout":
                self._say(
                    f"{photo.name}: nobody answers; its tasks time out after {VALIDATION_TIMEOUT_SECONDS} s "
                    "and both pipelines go on with the data as read"
                )
                continue
            for workflow, execution_id in photo.execution_ids.items():
                task = _wait(lambda: _pending_task(repository, workflow, execution_id), what=f"task of {execution_id}")
                outcome = ValidationOutcome(reviewed=True)
                if photo.plan == "correct":
                    album = next((a for a in task.albums if a.year is None and a.artist), task.albums[0])
                    outcome = ValidationOutcome(
                        reviewed=True, corrections=[AlbumCorrection(albumIndex=album.albumIndex, year=TYPED_YEAR)]
                    )
                    before = album.year if album.year is not None else "unknown"
                    self._say(
                        f"{photo.name} [{workflow.short_name}]: the person sets album {album.albumIndex} "
                        f"({album.artist} - {album.albumName}) year {before} -> {TYPED_YEAR}"
                    )
                else:
                    self._say(f"{photo.name} [{workflow.short_name}]: the person accepts the six albums as read")
                answers.submit_outcome(task.taskId, outcome)

    def _wait_until_finished(
        self, repository: DynamoDbAlbumRepository, photos: list[DemoPhoto]
    ) -> dict[tuple[str, WorkflowType], Execution]:
        self._say("Waiting for all six workflows to finish ...")

        def finished() -> dict[tuple[str, WorkflowType], Execution] | None:
            found = {
                (photo.name, workflow): repository.get_execution(workflow, execution_id)
                for photo in photos
                for workflow, execution_id in photo.execution_ids.items()
            }
            done = all(e is not None and e.status.value in FINAL for e in found.values())
            return found if done else None  # type: ignore[return-value]

        return _wait(finished, timeout=FINISH_TIMEOUT_SECONDS, what="six workflows")

    def _summarize(
        self,
        access: StackAccess,
        repository: DynamoDbAlbumRepository,
        photos: list[DemoPhoto],
        executions: dict[tuple[str, WorkflowType], Execution],
    ) -> None:
        counts = EngineCounts(access)
        sf, ldf = WorkflowType.STEP_FUNCTIONS, WorkflowType.DURABLE_FUNCTIONS
        for photo in photos:
            self._say(f"\n== {photo.name} ({photo.plan}) ==")
            albums = {w: repository.get_albums(w, photo.execution_ids[w]) for w in WorkflowType}
            self._say(f"{'#':>2} {'artist':24} {'album':30} {'year':>5} {'SF price':>9} {'LDF price':>9}")
            for first, second in zip(albums[sf], albums[ldf], strict=True):
                self._say(
                    f"{first.albumIndex:>2} {first.artist[:24]:24} {first.albumName[:30]:30} "
                    f"{_year(first):>5} {_price(first):>9} {_price(second):>9}"
                )
            same = [(_comparable(a), _comparable(b)) for a, b in zip(albums[sf], albums[ldf], strict=True)]
            self._say(f"   both patterns agree on every album: {all(a == b for a, b in same)}")
            for workflow in WorkflowType:
                execution = executions[(photo.name, workflow)]
                self._say(
                    f"   {workflow.value:18} {execution.status.value:10} {execution.durationMs or 0:>7} ms   "
                    f"{counts.describe(workflow, execution)}"
                )


class EngineCounts:
    """What each engine bills for (state transitions, durable operations), priced."""

    def __init__(self, access: StackAccess) -> None:
        self._step_functions = access.client("stepfunctions")
        self._lambda = access.client("lambda")
        self._prices = load_price_table()

    def describe(self, workflow: WorkflowType, execution: Execution) -> str:
        if execution.engineExecutionArn is None:
            return ""
        if workflow is WorkflowType.STEP_FUNCTIONS:
            events = self._step_functions.get_execution_history(
                executionArn=execution.engineExecutionArn, maxResults=1000
            )["events"]
            transitions = count_state_transitions(events)
            cost = step_functions_cost(transitions, self._prices)
            return f"{transitions} state transitions   ${cost * PER_MILLION:,.2f} orchestration per million workflows"
        events = _durable_history(self._lambda, execution.engineExecutionArn)
        operations = billable_durable_operations(count_durable_operations(events))
        cost = durable_operations_cost(operations, self._prices)
        return f"{operations} durable operations   ${cost * PER_MILLION:,.2f} orchestration per million workflows"


def _durable_history(client: Any, arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    request: dict[str, Any] = {"DurableExecutionArn": arn, "IncludeExecutionData": False}
    while True:
        page = client.get_durable_execution_history(**request)
        events.extend(page.get("Events", []))
        if not page.get("NextMarker"):
            return events
        request["Marker"] = page["NextMarker"]


def _pending_task(repository: DynamoDbAlbumRepository, workflow: WorkflowType, execution_id: str):
    task = repository.get_task(workflow, ids.task_id_for_execution(execution_id))
    return task if task is not None and task.status.value == "pending" else None


def _wait(predicate: Callable[[], Any], *, timeout: float = 60, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"the demo waited {timeout} s for {what}")


def _year(album: Album) -> str:
    if album.year is None:
        return "?"
    return f"{album.year}*" if album.yearOriginal != album.year else str(album.year)


def _price(album: Album) -> str:
    return f"${album.priceEstimate:.2f}" if album.priceEstimate is not None else "-"


def _comparable(album: Album) -> tuple[Any, ...]:
    return (album.artist, album.albumName, album.year, album.priceEstimate, album.priceConfidence)
