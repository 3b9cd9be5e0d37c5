"""Stop the real local stack while 10 workflows per pattern wait for a person, start it again.

Durable executions live in the runner's sqlite store and must all complete
once validated. Step Functions executions run in moto's interpreter threads,
which the stack cannot save: that half is an expected failure naming the
limitation (local_aws/persistence.py), and must not pass silently.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from album_registry.adapters.system_clock import SystemClock
from album_registry.domain import ids
from album_registry.domain.models import Album, AlbumStatus, ExecutionStatus, ValidationOutcome, WorkflowType
from album_registry.domain.validation import submit_validation

from albums.commands.local_commands import LOST_ON_RESTART
from local_aws.stack_info import free_loopback_port
from tests.local_stack.conftest import RunningStack, start_stack, wait_until
from tests.reliability.conftest import SAMPLES

UPLOADS = 10


@dataclass
class Restarted:
    stack: RunningStack
    execution_ids: dict[WorkflowType, list[str]]
    albums_before: dict[str, list[Album]]


def wait_for(stack: RunningStack, workflow: WorkflowType, execution_ids: list[str], status: ExecutionStatus, timeout: float):
    repository = stack.repository()

    def reached() -> bool:
        return all(
            (execution := repository.get_execution(workflow, execution_id)) is not None and execution.status is status
            for execution_id in execution_ids
        )

    wait_until(reached, timeout=timeout, interval=0.5, what=f"{len(execution_ids)} {workflow.value} executions {status.value}")


@pytest.fixture(scope="module")
def restarted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Restarted]:
    data_dir = tmp_path_factory.mktemp("restart") / "data"
    photos = [path.read_bytes() for path in sorted(SAMPLES.glob("shelf-*.jpg"))]
    stack = start_stack(data_dir, free_loopback_port())
    execution_ids: dict[WorkflowType, list[str]] = {workflow: [] for workflow in WorkflowType}
    try:
        s3, bucket = stack.client("s3"), stack.outputs["bucketName"]
        for number in range(UPLOADS):
            key = f"uploads/restart-{number:02d}.jpg"
            version = s3.put_object(Bucket=bucket, Key=key, Body=photos[number % len(photos)])["VersionId"]
            for workflow in WorkflowType:
                execution_ids[workflow].append(ids.execution_id_for_upload(workflow, bucket=bucket, key=key, version=version))
        for workflow in WorkflowType:
            wait_for(stack, workflow, execution_ids[workflow], ExecutionStatus.WAITING_VALIDATION, timeout=240)
        repository = stack.repository()
        albums_before = {
            execution_id: repository.get_albums(workflow, execution_id)
            for workflow in WorkflowType
            for execution_id in execution_ids[workflow]
        }
    finally:
        stack.stop()
    stack = start_stack(data_dir, stack.port)
    try:
        yield Restarted(stack, execution_ids, albums_before)
    finally:
        stack.stop()


def validate_and_complete(restarted: Restarted, workflow: WorkflowType) -> None:
    stack = restarted.stack
    assert "restored saved state" in stack.log.read_text()
    repository = stack.repository()
    for execution_id in restarted.execution_ids[workflow]:
        assert repository.get_execution(workflow, execution_id).status is ExecutionStatus.WAITING_VALIDATION
        submit_validation(
            ids.task_id_for_execution(execution_id), ValidationOutcome(reviewed=True), repository=repository, resumer=stack.resumer(), clock=SystemClock()
        )
    wait_for(stack, workflow, restarted.execution_ids[workflow], ExecutionStatus.COMPLETED, timeout=120)
    for execution_id in restarted.execution_ids[workflow]:
        albums = repository.get_albums(workflow, execution_id)
        before = restarted.albums_before[execution_id]
        assert [(a.artist, a.albumName, a.year) for a in albums] == [(a.artist, a.albumName, a.year) for a in before]
        assert all(a.yearValidated for a in albums)
        assert all(a.status is AlbumStatus.PRICED for a in albums if a.artist and a.albumName)
        execution = repository.get_execution(workflow, execution_id)
        assert execution.albumCount == 6 and execution.completedAt is not None


def test_paused_durable_workflows_survive_a_restart_and_complete(restarted: Restarted) -> None:
    validate_and_complete(restarted, WorkflowType.DURABLE_FUNCTIONS)


def test_step_functions_executions_lost_in_a_restart_show_as_lost_with_their_upload(restarted: Restarted) -> None:
    """Until the stack can save moto's running executions, `albums status` must not call them running."""
    shown = subprocess.run(
        [sys.executable, "-m", "albums.cli", "status", "--data-dir", str(restarted.stack.data_dir), "--limit", "100"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = [line for line in shown.splitlines() if "uploads/restart-" in line]
    lost = [line for line in rows if " step-functions " in line]
    assert len(lost) == UPLOADS and all(LOST_ON_RESTART in line for line in lost)
    # The durable half was saved: none of it is shown lost.
    durable = [line for line in rows if " durable-functions " in line]
    assert len(durable) == UPLOADS and not any(LOST_ON_RESTART in line for line in durable)
    assert f"{UPLOADS} Step Functions execution(s) {LOST_ON_RESTART}" in shown


@pytest.mark.xfail(
    strict=True,
    reason=(
        "Known limitation of the local stack: Step Functions executions in flight run in moto's "
        "interpreter threads and are not persisted, so after a restart their task tokens are unknown "
        "(local_aws/persistence.py, stack_info.NOT_PERSISTED). In AWS, Step Functions keeps them."
    ),
)
def test_paused_step_functions_workflows_survive_a_restart_and_complete(restarted: Restarted) -> None:
    validate_and_complete(restarted, WorkflowType.STEP_FUNCTIONS)


def test_every_upload_comes_back_byte_for_byte_with_its_version(restarted: Restarted) -> None:
    """The records point at photos: a restart must bring the photos back too."""
    photos = [path.read_bytes() for path in sorted(SAMPLES.glob("shelf-*.jpg"))]
    s3, bucket = restarted.stack.client("s3"), restarted.stack.outputs["bucketName"]
    versions = s3.list_object_versions(Bucket=bucket, Prefix="uploads/restart-")["Versions"]
    assert sorted(version["Key"] for version in versions) == [f"uploads/restart-{n:02d}.jpg" for n in range(UPLOADS)]
    for version in versions:
        number = int(version["Key"].removeprefix("uploads/restart-").removesuffix(".jpg"))
        stored = s3.get_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])["Body"].read()
        assert stored == photos[number % len(photos)], version["Key"]
