"""Hypothesis at 1000 examples each on the three doors where outside input comes in.

- S3 keys and the S3/EventBridge "Object Created" payloads, through the code
  both pipelines start with (``upload_from_event`` then ``prepare_execution``);
- the validation API's paths, queries and bodies, through its Lambda entry
  with function URL events;
- the Bedrock answer parser.

Each may refuse the input, but only with its own typed error (or a 4xx naming
the problem), never by crashing with another exception, and it stores nothing.
"""

from __future__ import annotations

import copy
import json
import unicodedata
from typing import Any

import pytest
from album_registry.adapters.bedrock_vision import TOOL_NAME, parse_model_output
from album_registry.domain.errors import InvalidS3KeyError, VisionOutputError
from album_registry.domain.models import ExtractedAlbum, TaskStatus, WorkflowType
from album_registry.domain.registration import AlbumRegistration
from album_registry.domain.s3_keys import UPLOAD_PREFIX, validate_upload_key
from album_registry.domain.vision import normalize_to_six
from album_registry.handlers.upload_event import upload_from_event
from local_aws.s3_events import object_created_event
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.fakes import InMemoryAlbumRepository, SteppingClock
from tests.validation.conftest import in_process_aws  # noqa: F401  (the module's moto, as a fixture)
from tests.validation.test_validation_api import Api

FUZZ = settings(max_examples=1000, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
FUZZ_WITH_FIXTURE = settings(
    FUZZ, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=15,
)

# ---- S3 keys and events ---------------------------------------------------------------

key_parts = st.sampled_from(["uploads/", "uploads", "/", "..", ".", "./", "../", "%2e%2e/", "\\", "\x00", "\n", "\u202e", "shelf", ".jpg", ".JPEG", ".png", ".webp", ".gif", " ", "\ud800", "é"])
keys = st.one_of(
    st.text(max_size=60),
    st.lists(key_parts | st.text(max_size=8), max_size=8).map("".join),
    st.builds(lambda middle, ext: f"{UPLOAD_PREFIX}{middle}{ext}", st.text(max_size=40), st.sampled_from([".jpg", ".png", ".gif", ""])),
    st.integers(min_value=1000, max_value=1100).map(lambda n: UPLOAD_PREFIX + "a" * n + ".jpg"),
)


@FUZZ
@given(key=keys)
def test_upload_keys_are_accepted_only_when_safe(key: str) -> None:
    try:
        accepted = validate_upload_key(key)
    except InvalidS3KeyError as error:
        assert error.rule  # the broken rule is named
        return
    assert accepted == key and key.startswith(UPLOAD_PREFIX)
    assert not {".", ".."} & set(key.split("/"))
    assert not any(unicodedata.category(char) == "Cc" for char in key)
    assert len(key.encode("utf-8", errors="surrogatepass")) <= 1024


def test_a_key_that_is_not_utf8_is_refused() -> None:
    """S3 keys are UTF-8; a lone surrogate (JSON can carry one, as \\ud800) cannot be stored."""
    with pytest.raises(InvalidS3KeyError):
        validate_upload_key("uploads/\ud800.jpg")


def _mutations() -> st.SearchStrategy[list[tuple[tuple[str, ...], Any]]]:
    paths = st.sampled_from(
        [
            ("detail",), ("detail", "bucket"), ("detail", "bucket", "name"), ("detail", "object"),
            ("detail", "object", "key"), ("detail", "object", "version-id"), ("detail", "object", "sequencer"),
            ("detail", "object", "size"), ("detail-type",), ("source",), ("time",), ("resources",), ("id",),
        ]
    )
    return st.lists(st.tuples(paths, json_values | keys), max_size=3)


def _mutated(event: dict[str, Any], changes: list[tuple[tuple[str, ...], Any]]) -> Any:
    mutated = copy.deepcopy(event)
    for path, value in changes:
        target = mutated
        for name in path[:-1]:
            if not isinstance(target, dict) or not isinstance(target.get(name), dict):
                break
            target = target[name]
        else:
            target[path[-1]] = value
    return mutated


events = st.one_of(
    json_values,
    st.builds(
        _mutated,
        st.builds(
            lambda key, version: object_created_event(bucket="shelf-photos", key=key, version=version),
            keys,
            st.none() | st.text(max_size=20),
        ),
        _mutations(),
    ),
)


@FUZZ
@given(event=events, workflow=st.sampled_from(list(WorkflowType)))
def test_upload_events_are_prepared_or_refused_with_a_typed_error(event: Any, workflow: WorkflowType) -> None:
    repository = InMemoryAlbumRepository()
    registration = AlbumRegistration(repository=repository, clock=SteppingClock())
    try:
        upload = upload_from_event(event)
        execution = registration.prepare_execution(workflow, upload)
    except (ValidationError, InvalidS3KeyError):
        pass
    else:
        assert execution.imageS3Key == validate_upload_key(upload.key)
        assert execution.executionId.startswith(f"{workflow.short_name}-")
    assert repository.executions == {} and repository.albums == {} and repository.tasks == {}


# ---- validation API -------------------------------------------------------------------

path_segments = st.one_of(
    st.sampled_from(["tasks", "albums", "executions", "image", "task-sf-" + "0" * 32, "task-ldf-1", "..", "%2F", "", " "]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
)
api_paths = st.lists(path_segments, min_size=0, max_size=4).map(lambda parts: "/" + "/".join(parts))
queries = st.dictionaries(
    st.sampled_from(["status", "workflowType", "limit", "nextToken", "x"]),
    st.sampled_from(["pending", "completed", "step-functions", "durable-functions", "0", "101", "-1", "abc"]) | st.text(max_size=12),
    max_size=3,
)
bodies = st.one_of(
    st.none(),
    json_values.map(json.dumps),
    st.text(max_size=40),
    st.fixed_dictionaries({"corrections": st.lists(st.dictionaries(st.sampled_from(["albumIndex", "year", "artist", "albumName"]), json_values, max_size=4), max_size=7)}).map(json.dumps),
)


@pytest.fixture(scope="module")
def seeded_api(in_process_aws: None) -> tuple[Api, list[str]]:  # noqa: F811
    """One table with a pending task of each pattern and a closed one."""
    api = Api()
    tasks = [api.task(WorkflowType.STEP_FUNCTIONS), api.task(WorkflowType.DURABLE_FUNCTIONS), api.task(status=TaskStatus.COMPLETED)]
    return api, [task.taskId for task in tasks]


@FUZZ_WITH_FIXTURE
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
    path=st.one_of(api_paths, st.integers(0, 2).map(lambda n: f"/tasks/<{n}>"), st.integers(0, 2).map(lambda n: f"/tasks/<{n}>/image")),
    query=queries,
    body=bodies,
)
def test_the_api_answers_every_request_with_a_json_2xx_3xx_or_4xx(
    seeded_api: tuple[Api, list[str]], method: str, path: str, query: dict[str, str], body: str | None
) -> None:
    api, task_ids = seeded_api
    for index, task_id in enumerate(task_ids):
        path = path.replace(f"<{index}>", task_id)
    answer = api.call(method, path, query=query, raw_body=body)
    assert answer.status < 500, answer.text
    if answer.status == 307:
        assert answer.headers["Location"]
        return
    document = answer.json()
    if answer.status >= 400:
        assert document["message"], answer.text
        if answer.status == 422:
            assert document["fields"] and all(entry["field"] for entry in document["fields"])
    assert "SECRET-" not in answer.text  # the resume handles never leave


# ---- the Bedrock parser ---------------------------------------------------------------

model_albums = st.fixed_dictionaries(
    {
        "position": st.integers(-2, 110) | json_scalars,
        "artist": st.text(max_size=210) | json_scalars,
        "albumName": st.text(max_size=210) | json_scalars,
        "year": st.none() | st.integers(1890, 2110) | json_scalars,
        "confidence": st.floats() | json_scalars,
    },
    optional={"extra": json_scalars},
)
model_answers = st.one_of(
    st.lists(model_albums, max_size=26),
    st.fixed_dictionaries({"albums": st.lists(model_albums, max_size=26)}),
    json_values,
)
content = st.one_of(
    st.text(max_size=200),
    model_answers.map(json.dumps),
    st.builds(lambda before, answer, after: f"{before}{json.dumps(answer)}{after}", st.text(max_size=20), model_answers, st.text(max_size=20)),
    st.lists(
        st.one_of(
            st.fixed_dictionaries({"toolUse": st.fixed_dictionaries({"name": st.just(TOOL_NAME) | st.text(max_size=5), "input": model_answers | model_answers.map(json.dumps)})}),
            st.fixed_dictionaries({"text": st.text(max_size=60) | model_answers.map(json.dumps)}),
            json_values,
        ),
        max_size=3,
    ),
)


@FUZZ
@given(answer=content)
def test_the_bedrock_parser_gives_up_to_six_albums_or_a_vision_output_error(answer: Any) -> None:
    try:
        albums = parse_model_output(answer)
    except VisionOutputError as error:
        assert error.reason
        return
    assert len(albums) <= 6
    assert [album.albumIndex for album in albums] == list(range(1, len(albums) + 1))
    assert all(isinstance(album, ExtractedAlbum) for album in albums)
    six = normalize_to_six(albums)
    assert [album.albumIndex for album in six] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    "answer",
    ["[" * 100_000, [{"toolUse": {"name": TOOL_NAME, "input": '{"albums": ' + "[" * 50_000}}]],
    ids=["text", "tool-input"],
)
def test_a_deeply_nested_answer_is_a_vision_output_error(answer: Any) -> None:
    """A model can emit any text: nesting past the JSON decoder's recursion limit is unusable output."""
    with pytest.raises(VisionOutputError):
        parse_model_output(answer)
