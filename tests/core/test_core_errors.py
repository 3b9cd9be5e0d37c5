"""The core's errors: each names what went wrong, and keeps its fields for a handler to use."""

from __future__ import annotations

import pytest

from album_registry.domain import errors

CASES = [
    (errors.ImageRejectedError, {"reason": "not a photo"}, "image rejected: not a photo"),
    (errors.VisionUnavailableError, {"provider": "bedrock", "reason": "throttled"}, "bedrock vision unavailable: throttled"),
    (errors.VisionOutputError, {"provider": "bedrock", "reason": "five covers"}, "bedrock vision output unusable: five covers"),
    (errors.PriceEstimationError, {"album_index": 4, "reason": "closed"}, "price for album 4 failed: closed"),
    (errors.DuplicateExecutionError, {"execution_id": "sf-1"}, "execution sf-1 already exists"),
    (errors.ExecutionNotFoundError, {"execution_id": "sf-1"}, "execution sf-1 not found"),
    (errors.TaskNotFoundError, {"task_id": "task-sf-1"}, "validation task 'task-sf-1' not found"),
    (errors.TaskAlreadyClosedError, {"task_id": "task-sf-1", "status": "completed"}, "validation task task-sf-1 is already completed"),
    (
        errors.EngineNoLongerWaitingError,
        {"task_id": "task-sf-1", "reason": "TaskTimedOut"},
        "validation task task-sf-1 expired on its engine (TaskTimedOut)",
    ),
    (errors.InvalidValidationAnswerError, {"reason": "answer: empty"}, "validation answer rejected: answer: empty"),
    (errors.InvalidS3KeyError, {"key": "a.jpg", "rule": "key is not under 'uploads/'"}, "S3 key 'a.jpg' rejected: key is not under 'uploads/'"),
    (errors.ServiceError, {"name": "DynamoDB.ThrottlingException"}, "DynamoDB.ThrottlingException"),
]


@pytest.mark.parametrize(("error_class", "fields", "message"), CASES, ids=[case[0].__name__ for case in CASES])
def test_each_error_says_what_went_wrong_and_keeps_its_fields(error_class, fields, message):
    error = error_class(**fields)
    assert str(error) == message
    assert {name: getattr(error, name) for name in fields} == fields
    assert isinstance(error, errors.AlbumRegistryError)


def test_a_long_task_id_is_shown_cut_to_100_characters():
    task_id = "task-" + "x" * 200
    error = errors.TaskNotFoundError(task_id=task_id)
    assert str(error) == f"validation task {task_id[:100]!r} not found" and error.task_id == task_id
