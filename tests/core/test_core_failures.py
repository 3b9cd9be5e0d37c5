"""Failures as stored: a stable code and a short message, never a trace."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from album_registry.domain.failures import MAX_ERROR_CODE_CHARS, MAX_FAILURE_MESSAGE_CHARS, Failure, failure_of


def test_the_code_is_the_bare_class_name_on_both_engines():
    durable = failure_of(error_type="album_registry.domain.errors.VisionUnavailableError", message="down")
    step_functions = failure_of(error_type="VisionUnavailableError", message="down")
    assert durable == step_functions == Failure(code="VisionUnavailableError", message="down")


def test_only_the_first_line_is_kept():
    traced = "price failed: closed\nTraceback (most recent call last):\n  File x.py, line 3"
    assert failure_of(error_type="E", message=traced).message == "price failed: closed"


def test_missing_parts_fall_back_to_the_code():
    assert failure_of(error_type=None, message=None) == Failure(code="UnknownError", message="UnknownError")
    assert failure_of(error_type="States.Timeout", message="  \n") == Failure(
        code="States.Timeout", message="States.Timeout"
    )


def test_an_engine_error_name_is_kept_whole():
    assert failure_of(error_type="DynamoDB.ConditionalCheckFailedException", message="x").code == (
        "DynamoDB.ConditionalCheckFailedException"
    )
    assert failure_of(error_type="pydantic_core._pydantic_core.ValidationError", message="x").code == (
        "ValidationError"
    )


def test_a_long_message_is_capped():
    message = "x" * (MAX_FAILURE_MESSAGE_CHARS + 1)
    assert failure_of(error_type="E", message=message).message == "x" * MAX_FAILURE_MESSAGE_CHARS


@given(st.text(), st.text())
def test_a_stored_failure_is_one_short_line(error_type, message):
    failure = failure_of(error_type=error_type, message=message)
    assert failure.code and failure.message
    assert "\n" not in failure.message and len(failure.message) <= MAX_FAILURE_MESSAGE_CHARS
    assert "\n" not in failure.code and len(failure.code) <= MAX_ERROR_CODE_CHARS


def test_a_long_error_type_is_capped_as_a_code():
    failure = failure_of(error_type="E" * (MAX_ERROR_CODE_CHARS + 50), message="m")
    assert failure.code == "E" * MAX_ERROR_CODE_CHARS
