"""Errors of the domain core: one small class each, with keyword-only fields.

The error's class name is what both engines see (Step Functions ``Error``, the
durable SDK's ``ErrorType``), so retry and catch rules match on these names.
"""

from __future__ import annotations


class AlbumRegistryError(Exception):
    """Base class: every error the core raises on purpose."""


class InvalidS3KeyError(AlbumRegistryError):
    def __init__(self, *, key: str, rule: str) -> None:
        super().__init__(f"S3 key {key[:80]!r} rejected: {rule}")
        self.key = key
        self.rule = rule


class ImageRejectedError(AlbumRegistryError):
    """The uploaded file is not a shelf photo the vision step can read."""

    def __init__(self, *, reason: str) -> None:
        super().__init__(f"image rejected: {reason}")
        self.reason = reason


class VisionUnavailableError(AlbumRegistryError):
    """A transient failure of the vision provider: worth retrying."""

    def __init__(self, *, provider: str, reason: str) -> None:
        super().__init__(f"{provider} vision unavailable: {reason}")
        self.provider = provider
        self.reason = reason


class VisionOutputError(AlbumRegistryError):
    """The vision provider answered, but not with six usable albums."""

    def __init__(self, *, provider: str, reason: str) -> None:
        super().__init__(f"{provider} vision output unusable: {reason}")
        self.provider = provider
        self.reason = reason


class PriceEstimationError(AlbumRegistryError):
    def __init__(self, *, album_index: int, reason: str) -> None:
        super().__init__(f"price for album {album_index} failed: {reason}")
        self.album_index = album_index
        self.reason = reason


class DuplicateExecutionError(AlbumRegistryError):
    """The execution record exists already: this upload is being handled."""

    def __init__(self, *, execution_id: str) -> None:
        super().__init__(f"execution {execution_id} already exists")
        self.execution_id = execution_id


class ExecutionNotFoundError(AlbumRegistryError):
    def __init__(self, *, execution_id: str) -> None:
        super().__init__(f"execution {execution_id} not found")
        self.execution_id = execution_id


class TaskNotFoundError(AlbumRegistryError):
    def __init__(self, *, task_id: str) -> None:
        super().__init__(f"validation task {task_id[:100]!r} not found")
        self.task_id = task_id


class TaskAlreadyClosedError(AlbumRegistryError):
    def __init__(self, *, task_id: str, status: str) -> None:
        super().__init__(f"validation task {task_id} is already {status}")
        self.task_id = task_id
        self.status = status


class EngineNoLongerWaitingError(AlbumRegistryError):
    """The engine had already given up on the task (it timed out there)."""

    def __init__(self, *, task_id: str, reason: str) -> None:
        super().__init__(f"validation task {task_id} expired on its engine ({reason})")
        self.task_id = task_id
        self.reason = reason


class InvalidValidationAnswerError(AlbumRegistryError):
    """The answer that resumed a paused workflow is not a validation outcome."""

    def __init__(self, *, reason: str) -> None:
        super().__init__(f"validation answer rejected: {reason}")
        self.reason = reason


class ServiceError(AlbumRegistryError):
    """An AWS service refused a write for good, after the SDK's own retries.

    Named as Step Functions' native integrations name the error
    (``DynamoDB.ProvisionedThroughputExceededException``), so a write the
    durable pattern makes through the repository fails under the same name as
    the state machine's native write of the same item.
    """

    def __init__(self, *, name: str) -> None:
        super().__init__(name)
        self.name = name
