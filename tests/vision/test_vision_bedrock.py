"""The Bedrock provider: request shape, answer parsing, retries. Never the network.

Seed properties 5-9: the model is invoked with the right parameters; any
answer gives exactly six albums with every field present and indices 1..6;
throttling and 5xx are retried three times with exponential backoff.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import ANY, Stubber
from hypothesis import given, settings
from hypothesis import strategies as st

from album_registry.adapters.bedrock_vision import (
    BEDROCK_CLIENT_CONFIG,
    TOOL_NAME,
    BedrockVisionProvider,
    image_format,
    parse_model_output,
)
from album_registry.domain.errors import ImageRejectedError, VisionOutputError, VisionUnavailableError
from album_registry.domain.models import ExtractedAlbum
from album_registry.domain.vision import extract_albums

MODEL_ID = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _client() -> Any:
    return boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=BEDROCK_CLIENT_CONFIG,
    )


def _album(position: int, confidence: float = 0.9, **changes: Any) -> dict[str, Any]:
    album = {
        "position": position,
        "artist": f"Artist {position}",
        "albumName": f"Title {position}",
        "year": 1960 + position,
        "confidence": confidence,
    }
    album.update(changes)
    return album


def _tool_answer(albums: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "output": {
            "message": {
                "role": "assistant",
                "content": [{"toolUse": {"toolUseId": "tooluse_1", "name": TOOL_NAME, "input": {"albums": albums}}}],
            }
        },
        "stopReason": "tool_use",
        "usage": {"inputTokens": 1500, "outputTokens": 300, "totalTokens": 1800},
        "metrics": {"latencyMs": 2100},
    }


class _FixedProvider:
    """Stands in for the model: returns what the parser made of one answer."""

    name = "fixed"

    def __init__(self, albums: list[ExtractedAlbum]) -> None:
        self._albums = albums

    def read_covers(self, image: bytes) -> list[ExtractedAlbum]:
        return self._albums


# --- Property 5: the model is invoked with the right parameters -------------


@pytest.mark.parametrize(("image", "format_name"), [(JPEG, "jpeg"), (PNG, "png")])
def test_converse_gets_model_image_and_forced_tool(image: bytes, format_name: str) -> None:
    client = _client()
    provider = BedrockVisionProvider(client=client, model_id=MODEL_ID)
    expected = {
        "modelId": MODEL_ID,
        "system": ANY,
        "messages": [
            {
                "role": "user",
                "content": [{"image": {"format": format_name, "source": {"bytes": image}}}, {"text": ANY}],
            }
        ],
        "inferenceConfig": {"maxTokens": 2000, "temperature": 0.0},
        "toolConfig": {"tools": ANY, "toolChoice": {"tool": {"name": TOOL_NAME}}},
    }
    with Stubber(client) as stubber:
        stubber.add_response("converse", _tool_answer([_album(1), _album(2)]), expected)
        albums = provider.read_covers(image)
        stubber.assert_no_pending_responses()
    assert [(album.albumIndex, album.artist, album.year) for album in albums] == [
        (1, "Artist 1", 1961),
        (2, "Artist 2", 1962),
    ]


def test_tool_schema_requires_every_field_and_is_self_contained() -> None:
    from album_registry.adapters.bedrock_vision import record_albums_tool

    schema = record_albums_tool()["toolSpec"]["inputSchema"]["json"]
    item = schema["properties"]["albums"]["items"]
    assert set(item["required"]) == {"position", "artist", "albumName", "year", "confidence"}
    assert "$ref" not in json.dumps(schema)


# --- Properties 6-8: any answer gives six complete albums, indices 1..6 ------

_albums_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "position": st.integers(1, 10),
            "artist": st.text(max_size=40),
            "albumName": st.text(max_size=40),
            "year": st.none() | st.integers(1900, 2100),
            "confidence": st.floats(0.0, 1.0),
        }
    ),
    min_size=0,
    max_size=10,
)
_prose = st.text(alphabet=st.characters(blacklist_characters="{}[]", blacklist_categories=("Cs",)), max_size=80)


@settings(max_examples=100, deadline=None)
@given(albums=_albums_strategy)
def test_any_valid_answer_gives_exactly_six_complete_albums(albums: list[dict[str, Any]]) -> None:
    parsed = parse_model_output([{"toolUse": {"name": TOOL_NAME, "input": {"albums": albums}}}])
    if not any(album.artist.strip() or album.albumName.strip() for album in parsed):
        # The model saw no cover it could read: nothing to validate, the photo is rejected.
        with pytest.raises(ImageRejectedError, match="no album cover"):
            extract_albums(_FixedProvider(parsed), JPEG)
        return
    six = extract_albums(_FixedProvider(parsed), JPEG)
    assert len(six) == 6
    assert [album.albumIndex for album in six] == [1, 2, 3, 4, 5, 6]
    for album in six:
        dumped = album.model_dump()
        assert {"artist", "albumName", "year", "confidence"} <= dumped.keys()
    # More than six: the six most confident are the ones kept.
    kept = sorted(album.confidence for album in parsed)
    assert kept == sorted(album["confidence"] for album in albums)[-6:] if albums else kept == []


@settings(max_examples=100, deadline=None)
@given(albums=_albums_strategy)
def test_kept_albums_stay_in_reading_order(albums: list[dict[str, Any]]) -> None:
    parsed = parse_model_output([{"toolUse": {"name": TOOL_NAME, "input": {"albums": albums}}}])
    by_text = sorted(albums, key=lambda album: album["position"])
    positions = []
    for album in parsed:
        positions.append(
            next(
                index
                for index, candidate in enumerate(by_text)
                if index not in positions
                and (candidate["artist"], candidate["albumName"], candidate["confidence"])
                == (album.artist, album.albumName, album.confidence)
            )
        )
    assert positions == sorted(positions)


@settings(max_examples=100, deadline=None)
@given(albums=_albums_strategy, before=_prose, after=_prose)
def test_prose_around_the_json_changes_nothing(albums: list[dict[str, Any]], before: str, after: str) -> None:
    as_tool = parse_model_output([{"toolUse": {"name": TOOL_NAME, "input": {"albums": albums}}}])
    as_text = parse_model_output([{"text": f"{before}{json.dumps({'albums': albums})}{after}"}])
    assert as_text == as_tool


# Values each field must refuse: wrong types, and numbers out of range.
_WRONG_VALUES: dict[str, list[Any]] = {
    "position": ["1", 0, 1.5, None, True, [1]],
    "artist": [1969, None, ["The Band"], {"name": "The Band"}, "x" * 201],
    "albumName": [1969, None, ["Stage Fright"], {"title": "Stage Fright"}],
    "year": ["1969", 1850, 2500, 1969.5, True, [1969]],
    "confidence": ["high", 1.5, -0.1, None, [0.5]],
}


@settings(max_examples=100, deadline=None)
@given(
    albums=_albums_strategy.filter(bool),
    victim=st.integers(0, 9),
    field=st.sampled_from(sorted(_WRONG_VALUES)),
    drop=st.booleans(),
    data=st.data(),
)
def test_missing_fields_and_wrong_types_are_output_errors(
    albums: list[dict[str, Any]], victim: int, field: str, drop: bool, data: st.DataObject
) -> None:
    broken = [dict(album) for album in albums]
    target = broken[victim % len(broken)]
    if drop:
        del target[field]
    else:
        target[field] = data.draw(st.sampled_from(_WRONG_VALUES[field]))
    with pytest.raises(VisionOutputError):
        parse_model_output([{"toolUse": {"name": TOOL_NAME, "input": {"albums": broken}}}])


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=200))
def test_any_text_answer_is_albums_or_an_output_error(text: str) -> None:
    try:
        albums = parse_model_output([{"text": text}])
    except VisionOutputError:
        return
    assert len(albums) <= 6


@pytest.mark.parametrize(
    "content",
    [
        [],
        [{"text": "I could not see any covers, sorry."}],
        [{"text": '{"covers": []}'}],
        [{"toolUse": {"name": TOOL_NAME, "input": "not json at all"}}],
    ],
)
def test_answers_without_albums_are_output_errors(content: list[dict[str, Any]]) -> None:
    with pytest.raises(VisionOutputError):
        parse_model_output(content)


def test_a_bare_list_and_a_json_string_tool_input_are_accepted() -> None:
    expected = parse_model_output([{"toolUse": {"name": TOOL_NAME, "input": {"albums": [_album(1)]}}}])
    assert parse_model_output(f"Here you go: {json.dumps([_album(1)])}") == expected
    assert parse_model_output([{"toolUse": {"name": TOOL_NAME, "input": json.dumps({"albums": [_album(1)]})}}]) == expected


# --- Property 9: throttling and 5xx are retried three times ------------------


class _Body:
    def __init__(self, payload: bytes) -> None:
        self._payload = payload

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._payload


def _http(status: int, body: dict[str, Any], error_type: str | None = None) -> AWSResponse:
    headers = {"content-type": "application/json"}
    if error_type:
        headers["x-amzn-ErrorType"] = error_type
    return AWSResponse("https://bedrock-runtime.us-east-1.amazonaws.com", status, headers, _Body(json.dumps(body).encode()))


class _RecordedBedrock:
    """Answers each HTTP attempt from a script, below botocore's retry logic."""

    def __init__(self, client: Any, answers: list[AWSResponse]) -> None:
        self.attempts = 0
        self._answers = answers
        client.meta.events.register("before-send.bedrock-runtime.Converse", self._send)

    def _send(self, **_: Any) -> AWSResponse:
        answer = self._answers[min(self.attempts, len(self._answers) - 1)]
        self.attempts += 1
        return answer


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The backoff delays botocore asked for, without waiting for them."""
    recorded: list[float] = []
    monkeypatch.setattr(botocore.endpoint.time, "sleep", recorded.append)
    return recorded


_THROTTLED = _http(429, {"message": "Too many requests"}, "ThrottlingException")
_INTERNAL = _http(500, {"message": "Internal error"}, "InternalServerException")
_UNAVAILABLE = _http(503, {"message": "Service unavailable"}, "ServiceUnavailableException")


@pytest.mark.parametrize("failure", [_THROTTLED, _INTERNAL, _UNAVAILABLE])
def test_transient_failures_are_retried_three_times_then_unavailable(failure: AWSResponse, sleeps: list[float]) -> None:
    client = _client()
    recorded = _RecordedBedrock(client, [failure])
    with pytest.raises(VisionUnavailableError):
        BedrockVisionProvider(client=client, model_id=MODEL_ID).read_covers(JPEG)
    assert recorded.attempts == 4
    assert len(sleeps) == 3


def test_backoff_grows_exponentially(sleeps: list[float]) -> None:
    # botocore draws full jitter from the global random: t_i = rand() * 2**i seconds.
    random.seed(1234)
    expected = [random.random() * 2**attempt for attempt in range(3)]
    random.seed(1234)
    client = _client()
    _RecordedBedrock(client, [_THROTTLED])
    with pytest.raises(VisionUnavailableError):
        BedrockVisionProvider(client=client, model_id=MODEL_ID).read_covers(JPEG)
    assert sleeps == pytest.approx(expected)


def test_a_throttled_call_that_recovers_returns_albums(sleeps: list[float]) -> None:
    client = _client()
    recorded = _RecordedBedrock(client, [_THROTTLED, _INTERNAL, _http(200, _tool_answer([_album(1), _album(2)]))])
    albums = BedrockVisionProvider(client=client, model_id=MODEL_ID).read_covers(JPEG)
    assert recorded.attempts == 3
    assert [album.albumIndex for album in albums] == [1, 2]


def test_a_refused_image_is_not_retried(sleeps: list[float]) -> None:
    client = _client()
    recorded = _RecordedBedrock(
        client, [_http(400, {"message": "The provided image exceeds the maximum size"}, "ValidationException")]
    )
    with pytest.raises(ImageRejectedError):
        BedrockVisionProvider(client=client, model_id=MODEL_ID).read_covers(JPEG)
    assert recorded.attempts == 1
    assert sleeps == []


def test_malformed_model_output_is_an_output_error() -> None:
    client = _client()
    with Stubber(client) as stubber:
        stubber.add_response("converse", _tool_answer([{"position": 1, "artist": "Only an artist"}]))
        with pytest.raises(VisionOutputError, match="albumName"):
            BedrockVisionProvider(client=client, model_id=MODEL_ID).read_covers(JPEG)


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "empty"), (b"%PDF-1.7 liner notes", "not a JPEG"), (b"\xff\xd8\xff" + b"\0" * (20 * 1024 * 1024), "20 MB")],
)
def test_files_that_are_not_photos_never_reach_bedrock(data: bytes, reason: str) -> None:
    with pytest.raises(ImageRejectedError, match=reason):
        image_format(data)
