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


@pytest.mark.parametrize(
    ("workflow", "version", "expected"),
    [
        # sha256 of "photos\nuploads/a.jpg\nv1" (and with no version, an empty last line), first 32 hex digits.
        (WorkflowType.STEP_FUNCTIONS, "v1", "sf-7dbb445627f4d758de44115b91af44ea"),
        (WorkflowType.DURABLE_FUNCTIONS, "v1", "ldf-7dbb445627f4d758de44115b91af44ea"),
        (WorkflowType.STEP_FUNCTIONS, None, "sf-800d30c4974a4eae97a7828c68ff6d45"),
    ],
)
def test_an_id_is_the_uploads_digest_so_it_survives_a_redeploy(workflow, version, expected):
    """A stored record is found again by any later code: the id is a fixed function of the upload."""
    assert ids.execution_id_for_upload(workflow, bucket="photos", key="uploads/a.jpg", version=version) == expected


def test_a_key_that_is_not_valid_unicode_still_gets_an_id():
    """An event may carry a lone surrogate; the id is derived from it all the same."""
    found = ids.execution_id_for_upload(WorkflowType.STEP_FUNCTIONS, bucket="photos", key="uploads/\udcff.jpg", version="v1")
    assert found == "sf-ff2bc8b3d55f2aacbb023f765b14b235"


def test_an_unknown_identifier_is_named_cut_to_100_characters():
    identifier = "x" * 150
    with pytest.raises(ValueError) as raised:
        ids.workflow_of(identifier)
    assert str(raised.value) == f"{identifier[:100]!r} is not an execution or task id of this registry"
