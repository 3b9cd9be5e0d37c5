from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from album_registry.domain import ids
from album_registry.domain.models import WorkflowType

uploads = st.tuples(st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=40), st.none() | st.text(max_size=10))
# The rules both engines put on execution names.
STEP_FUNCTIONS_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


@given(st.lists(uploads, min_size=2, max_size=20, unique=True))
def test_distinct_uploads_get_distinct_ids_in_both_patterns(distinct_uploads):
    """Property 2: unique execution ids across uploads and across the two patterns."""
    seen = set()
    for bucket, key, version in distinct_uploads:
        for workflow in WorkflowType:
            seen.add(ids.execution_id_for_upload(workflow, bucket=bucket, key=key, version=version))
    assert len(seen) == 2 * len(distinct_uploads)


@given(uploads, st.sampled_from(list(WorkflowType)))
def test_ids_are_valid_engine_names_and_stable(upload, workflow):
    """Property 2: ids are safe execution names, and a redelivery maps to the same id."""
    bucket, key, version = upload
    first = ids.execution_id_for_upload(workflow, bucket=bucket, key=key, version=version)
    again = ids.execution_id_for_upload(workflow, bucket=bucket, key=key, version=version)
    assert first == again
    assert STEP_FUNCTIONS_NAME.match(first)
    assert ids.EXECUTION_ID_PATTERN.match(first)
    assert ids.workflow_of(first) is workflow
    assert ids.workflow_of(ids.task_id_for_execution(first)) is workflow


def test_unknown_identifier_is_rejected():
    with pytest.raises(ValueError, match="not an execution or task id"):
        ids.workflow_of("xyz-123")
