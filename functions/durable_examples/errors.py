"""Errors the two example durable functions raise on purpose: one small class each.

The class name is the ``ErrorType`` the durable SDK records on a failed step,
so retry strategies match on these classes.
"""

from __future__ import annotations


class EmptyMessageError(Exception):
    """The minimal function was given a message with no text in it."""

    def __init__(self, *, text: str) -> None:
        super().__init__(f"message {text!r} has no text")
        self.text = text


class TransientProcessingError(Exception):
    """A failure worth retrying, simulated on demand by the minimal function."""

    def __init__(self, *, attempt: int, simulated_failures: int) -> None:
        super().__init__(f"attempt {attempt} of {simulated_failures} simulated transient failures")
        self.attempt = attempt
        self.simulated_failures = simulated_failures


class EmptyWorkItemError(Exception):
    """A showcase work item carries no data, so it cannot be processed."""

    def __init__(self, *, item_id: str) -> None:
        super().__init__(f"work item {item_id} has no data")
        self.item_id = item_id
