"""Fixtures of the validation suite: in-process AWS for the API tests, a running local stack for the rest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from album_registry import constants
from album_registry.adapters.system_clock import SystemClock
from album_registry.domain import ids
from album_registry.domain.models import TaskStatus, ValidationOutcome, ValidationTask, WorkflowType
from album_registry.domain.validation import submit_validation
from local_aws.durable_service import free_loopback_port
from local_aws.lambda_runtime import reset_composition
from tests.local_stack.conftest import RunningStack, start_stack, wait_until

BUCKET = "albums-test-shelf-photos"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class FixedClock:
    def __init__(self, moment: datetime = NOW) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@pytest.fixture(scope="module")
def in_process_aws() -> Iterator[None]:
    """moto in this process; the local stack's endpoint (if a suite set one) is set aside."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        patch.setenv(constants.BUCKET_NAME_ENV, BUCKET)
        with mock_aws():
            boto3.client("s3").create_bucket(Bucket=BUCKET)
            reset_composition()
            yield
        reset_composition()


SAMPLE_PHOTO = Path(__file__).resolve().parents[2] / "samples" / "shelf-01.jpg"


class PipelinesOnStack:
    """A running ``albums local up``, driven as a person and the bucket drive it:
    a photo goes in, both engines pause for validation, an answer resumes them."""

    def __init__(self, stack: RunningStack) -> None:
        self.stack = stack
        self.data_dir = stack.data_dir
        self.bucket_name: str = stack.outputs["bucketName"]
        self.repository = stack.repository()
        self.resumer = stack.resumer()
        self.s3 = stack.client("s3")

    def upload(self, image: bytes, key: str) -> dict[WorkflowType, str]:
        """Put the photo in the bucket (the trigger starts both pipelines); each pattern's execution id."""
        version = self.s3.put_object(Bucket=self.bucket_name, Key=key, Body=image)["VersionId"]
        return {
            workflow: ids.execution_id_for_upload(workflow, bucket=self.bucket_name, key=key, version=version)
            for workflow in WorkflowType
        }

    def wait_for_task(self, workflow: WorkflowType, execution_id: str, timeout: float = 60) -> ValidationTask:
        def pending() -> ValidationTask | None:
            task = self.repository.get_task(workflow, ids.task_id_for_execution(execution_id))
            waiting = task is not None and task.status is TaskStatus.PENDING and (task.taskToken or task.callbackId)
            return task if waiting else None

        return wait_until(pending, timeout=timeout, what=f"a pending validation task for {execution_id}")

    def wait_for_engine(self, workflow: WorkflowType, execution_id: str, timeout: float = 60) -> str:
        """The engine's own status of the run, once it has ended."""
        arn = wait_until(
            lambda: getattr(self.repository.get_execution(workflow, execution_id), "engineExecutionArn", None),
            timeout=timeout,
            what=f"the engine run of {execution_id} to be recorded",
        )

        def ended() -> str | None:
            if workflow is WorkflowType.STEP_FUNCTIONS:
                status = self.stack.client("stepfunctions").describe_execution(executionArn=arn)["status"]
            else:
                status = self.stack.client("lambda").get_durable_execution(DurableExecutionArn=arn)["Status"]
            return None if status == "RUNNING" else status

        return wait_until(ended, timeout=timeout, what=f"the engine run of {execution_id} to end")

    def submit(self, task_id: str, outcome: ValidationOutcome) -> ValidationTask:
        return submit_validation(task_id, outcome, repository=self.repository, resumer=self.resumer, clock=SystemClock())


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipelinesOnStack]:
    """``albums local up`` in a child process, one per module: the archives the stack would deploy."""
    stack = start_stack(tmp_path_factory.mktemp("validation") / "data", free_loopback_port())
    yield PipelinesOnStack(stack)
    stack.stop()
