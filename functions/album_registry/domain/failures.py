"""What a failure is stored as: a stable error code and a short message.

Both engines report a failure as an error type and a message: Step Functions
as ``Error`` and the Lambda runtime's ``errorMessage``, the durable SDK as a
fully-qualified ``error_type`` and ``message``. Stored, it becomes the bare
class name (the code clients and alarms match on) and the message's first
line, capped, so no stack trace or payload dump ever reaches a record.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

MAX_FAILURE_MESSAGE_CHARS = 300
MAX_ERROR_CODE_CHARS = 100
UNKNOWN_ERROR_CODE = "UnknownError"


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
    return Failure(code=code, message=_first_line(message, MAX_FAILURE_MESSAGE_CHARS) or code)


def _first_line(text: str | None, limit: int) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0].strip()[:limit] if lines else ""
