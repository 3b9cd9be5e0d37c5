"""What a failure is stored as: a stable error code and a short message.

Both engines report a failure as an error type and a message: Step Functions
as ``Error`` and the Lambda runtime's ``errorMessage``, the durable SDK as a
fully-qualified ``error_type`` and ``message``. Stored, it becomes the bare
class name (the code clients and alarms match on) and the message's first
line, capped, so no stack trace or payload dump ever reaches a record.

A run the engine itself ended (its execution timeout passed, someone stopped
it) never reaches the workflow's own failure path: the engine's status-change
event does, and ``engine_ending`` names what the record stores then.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

MAX_FAILURE_MESSAGE_CHARS = 300
MAX_ERROR_CODE_CHARS = 100
UNKNOWN_ERROR_CODE = "UnknownError"
# A service error (``album_registry.domain.errors.ServiceError``) is stored under
# the service's own name for it, which is its message.
SERVICE_ERROR_TYPE = "ServiceError"


class Failure(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    message: str


def failure_of(*, error_type: str | None, message: str | None) -> Failure:
    """The stored form of an engine's error.

    A Python class's module path is dropped (``a.b.PriceEstimationError`` →
    ``PriceEstimationError``, as the Lambda runtime names it); an engine's own
    dotted name (``States.Timeout``) is kept whole, as Step Functions writes it.
    """
    name = _first_line(error_type, MAX_ERROR_CODE_CHARS)
    module, _, bare = name.rpartition(".")
    code = (bare if module and module == module.lower() else name) or UNKNOWN_ERROR_CODE
    if code == SERVICE_ERROR_TYPE and _first_line(message, MAX_ERROR_CODE_CHARS):
        code = _first_line(message, MAX_ERROR_CODE_CHARS)
    return Failure(code=code, message=_first_line(message, MAX_FAILURE_MESSAGE_CHARS) or code)


EXECUTION_TIMED_OUT = Failure(
    code="ExecutionTimedOut", message="the run passed its execution timeout and its engine ended it"
)
EXECUTION_STOPPED = Failure(code="ExecutionStopped", message="the run was stopped on its engine")
EXECUTION_FAILED_UNRECORDED = Failure(
    code="ExecutionFailed", message="the engine failed the run before the run recorded why"
)
# The engines' terminal statuses other than success: Step Functions says
# ABORTED where the durable service says STOPPED.
_ENGINE_ENDINGS = {
    "TIMED_OUT": EXECUTION_TIMED_OUT,
    "ABORTED": EXECUTION_STOPPED,
    "STOPPED": EXECUTION_STOPPED,
    "FAILED": EXECUTION_FAILED_UNRECORDED,
}


def engine_ending(status: str) -> Failure | None:
    """What a run's record stores when its engine ended it with ``status``;
    None for a status that is no failure (running, succeeded)."""
    return _ENGINE_ENDINGS.get(status)


def _first_line(text: str | None, limit: int) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0].strip()[:limit] if lines else ""
