"""The Bedrock vision provider: one Converse call with a forced tool.

The model must answer by calling ``record_albums``, whose input schema is the
JSON schema of ``ModelAnswer``; the answer is validated with that same
pydantic model, so what the model is asked for and what is accepted cannot
drift apart. Throttling, 5xx answers and dropped connections are retried by
botocore (standard mode: three retries, exponential backoff with jitter);
what still fails becomes ``VisionUnavailableError``. An answer that does not
fit the schema becomes ``VisionOutputError``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionError, HTTPClientError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from album_registry.constants import ALBUMS_PER_IMAGE
from album_registry.domain.errors import ImageRejectedError, VisionOutputError, VisionUnavailableError
from album_registry.domain.models import CoverBox, ExtractedAlbum

PROVIDER_NAME = "bedrock"
TOOL_NAME = "record_albums"
# Three retries after the first attempt (seed property 9).
BEDROCK_CLIENT_CONFIG = Config(retries={"total_max_attempts": 4, "mode": "standard"}, read_timeout=120)

MAX_IMAGE_BYTES = 20 * 1024 * 1024
# Bedrock's limit for one image in a Converse message.
MAX_BEDROCK_IMAGE_BYTES = 3_750_000
_MAX_BEDROCK_IMAGE_SIDE = 8000

_UNAVAILABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "ServiceUnavailableException",
        "InternalServerException",
        "ModelNotReadyException",
        "ModelTimeoutException",
    }
)
_MAGIC_NUMBERS: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "png"),
    (b"GIF87a", 0, "gif"),
    (b"GIF89a", 0, "gif"),
    (b"WEBP", 8, "webp"),
)

SYSTEM_PROMPT = (
    "You read photos of vinyl album covers laid out in a grid. "
    "Report every cover you can see through the record_albums tool and nothing else."
)
INSTRUCTION = (
    "This photo shows up to six vinyl album covers. For each cover, in reading order "
    "(left to right, top to bottom, position 1 first), give the artist and album title as "
    "printed, the year of the album's original release if you know it (null otherwise), and "
    "your confidence from 0 to 1, and where the cover lies in the photo. Use an empty string "
    "for text you cannot read."
)


class ModelAlbum(BaseModel):
    """One cover as the model must report it; every field but the cover's box is required."""

    model_config = ConfigDict(extra="ignore", strict=True)

    position: int = Field(ge=1, le=100, description="Reading-order position of the cover, 1 = top left")
    artist: str = Field(max_length=200)
    albumName: str = Field(max_length=200)
    year: int | None = Field(ge=1900, le=2100, description="Original release year, or null when unknown")
    confidence: float = Field(ge=0.0, le=1.0)
    # What lets a person see the cover beside its fields while validating.
    coverBox: list[Annotated[float, Field(ge=0.0, le=1.0)]] | None = Field(
        default=None,
        min_length=4,
        max_length=4,
        description="The cover's left, top, width and height as fractions of the photo, or null",
    )


class ModelAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    albums: list[ModelAlbum] = Field(max_length=24)


def _inlined(schema: Any, definitions: Mapping[str, Any]) -> Any:
    """The schema with every ``$ref`` replaced by its definition."""
    if isinstance(schema, Mapping):
        if "$ref" in schema:
            return _inlined(definitions[schema["$ref"].rsplit("/", 1)[-1]], definitions)
        return {key: _inlined(value, definitions) for key, value in schema.items() if key != "$defs"}
    if isinstance(schema, list):
        return [_inlined(item, definitions) for item in schema]
    return schema


def record_albums_tool() -> dict[str, Any]:
    """The tool the model must call; its schema is ``ModelAnswer``'s, self-contained."""
    schema = ModelAnswer.model_json_schema()
    return {
        "toolSpec": {
            "name": TOOL_NAME,
            "description": "Record the album covers seen in the photo, in reading order.",
            "inputSchema": {"json": _inlined(schema, schema.get("$defs", {}))},
        }
    }


def image_format(image: bytes) -> str:
    """Bedrock's name for the image's format, from its first bytes."""
    if not image:
        raise ImageRejectedError(reason="the file is empty")
    if len(image) > MAX_IMAGE_BYTES:
        raise ImageRejectedError(
            reason=f"the file is {len(image) / 1024 / 1024:.1f} MB; the limit is {MAX_IMAGE_BYTES // 1024 // 1024} MB"
        )
    for magic, offset, name in _MAGIC_NUMBERS:
        if image[offset : offset + len(magic)] == magic and (name != "webp" or image[:4] == b"RIFF"):
            return name
    raise ImageRejectedError(reason="the file is not a JPEG, PNG, GIF or WebP image")


def _fit_for_bedrock(image: bytes) -> tuple[bytes, str]:
    """The image as Bedrock accepts it: re-encoded as JPEG when it is too big."""
    detected = image_format(image)
    if len(image) <= MAX_BEDROCK_IMAGE_BYTES:
        return image, detected
    # Pillow only for the rare oversized upload, so the usual path needs none.
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(image)) as opened:
            opened.thumbnail((_MAX_BEDROCK_IMAGE_SIDE // 2, _MAX_BEDROCK_IMAGE_SIDE // 2))
            buffer = io.BytesIO()
            opened.convert("RGB").save(buffer, format="JPEG", quality=85)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ImageRejectedError(reason=f"the image cannot be decoded ({error})") from None
    return buffer.getvalue(), "jpeg"


def _first_json_value(text: str) -> Any:
    """The first JSON object or array in text that may have prose around it."""
    decoder = json.JSONDecoder()
    for position, character in enumerate(text):
        if character in "{[":
            try:
                value, _ = decoder.raw_decode(text, position)
            except json.JSONDecodeError:
                continue
            except RecursionError:
                raise VisionOutputError(provider=PROVIDER_NAME, reason="the answer's JSON is nested too deeply") from None
            return value
    raise VisionOutputError(provider=PROVIDER_NAME, reason="the answer holds no JSON")


def _answer_payload(content: Sequence[Mapping[str, Any]] | str) -> Any:
    """The tool input if the model called the tool, else JSON found in its text."""
    if isinstance(content, str):
        return _first_json_value(content)
    texts = []
    for block in content:
        if not isinstance(block, Mapping):
            continue
        tool_use = block.get("toolUse")
        if isinstance(tool_use, Mapping) and tool_use.get("name") == TOOL_NAME:
            payload = tool_use.get("input")
            return _first_json_value(payload) if isinstance(payload, str) else payload
        if isinstance(block.get("text"), str):
            texts.append(block["text"])
    return _first_json_value("\n".join(texts))


def parse_model_output(content: Sequence[Mapping[str, Any]] | str) -> list[ExtractedAlbum]:
    """The covers in a Converse answer: at most six, ``albumIndex`` 1..n in reading order.

    ``content`` is the answer message's content blocks (or bare text). A bare
    list of albums is accepted as if wrapped in ``{"albums": ...}``. With more
    than six covers the six most confident are kept, still in reading order.
    Anything that does not fit ``ModelAnswer`` raises ``VisionOutputError``.
    """
    payload = _answer_payload(content)
    if isinstance(payload, list):
        payload = {"albums": payload}
    try:
        answer = ModelAnswer.model_validate(payload)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "answer"
        raise VisionOutputError(
            provider=PROVIDER_NAME, reason=f"{where}: {first['msg']} ({error.error_count()} problem(s))"
        ) from None
    in_reading_order = sorted(answer.albums, key=lambda album: album.position)
    ranked = sorted(range(len(in_reading_order)), key=lambda index: -in_reading_order[index].confidence)
    kept = sorted(ranked[:ALBUMS_PER_IMAGE])
    return [
        ExtractedAlbum(
            albumIndex=index,
            artist=in_reading_order[position].artist,
            albumName=in_reading_order[position].albumName,
            year=in_reading_order[position].year,
            confidence=in_reading_order[position].confidence,
            coverBox=_cover_box(in_reading_order[position].coverBox),
        )
        for index, position in enumerate(kept, start=1)
    ]


def _cover_box(fractions: list[float] | None) -> CoverBox | None:
    if fractions is None:
        return None
    left, top, width, height = fractions
    return (left, top, width, height)


def converse_request(*, model_id: str, image: bytes, image_format_name: str) -> dict[str, Any]:
    """The Converse arguments: the photo, the instruction and the forced tool."""
    return {
        "modelId": model_id,
        "system": [{"text": SYSTEM_PROMPT}],
        "messages": [
            {
                "role": "user",
                "content": [
                    {"image": {"format": image_format_name, "source": {"bytes": image}}},
                    {"text": INSTRUCTION},
                ],
            }
        ],
        "inferenceConfig": {"maxTokens": 2000, "temperature": 0.0},
        "toolConfig": {"tools": [record_albums_tool()], "toolChoice": {"tool": {"name": TOOL_NAME}}},
    }


class BedrockVisionProvider:
    """Reads covers with a Bedrock vision model through the Converse API.

    ``client`` is a ``bedrock-runtime`` client; build it with
    ``BEDROCK_CLIENT_CONFIG`` so throttling and 5xx answers are retried.
    """

    name = PROVIDER_NAME

    def __init__(self, *, client: Any, model_id: str) -> None:
        self._client = client
        self._model_id = model_id

    def read_covers(self, image: bytes) -> list[ExtractedAlbum]:
        body, format_name = _fit_for_bedrock(image)
        request = converse_request(model_id=self._model_id, image=body, image_format_name=format_name)
        try:
            response = self._client.converse(**request)
        except ClientError as error:
            raise self._translated(error) from error
        except (ConnectionError, HTTPClientError) as error:
            raise VisionUnavailableError(provider=self.name, reason=f"no answer from Bedrock: {error}") from error
        content = response.get("output", {}).get("message", {}).get("content")
        if not isinstance(content, list):
            raise VisionOutputError(provider=self.name, reason="the answer has no message content")
        return parse_model_output(content)

    def _translated(self, error: ClientError) -> Exception:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        if code in _UNAVAILABLE_CODES:
            return VisionUnavailableError(provider=self.name, reason=f"{code} after retries: {message}")
        if code == "ModelErrorException":
            return VisionOutputError(provider=self.name, reason=f"the model failed: {message}")
        if code == "ValidationException" and "image" in message.casefold():
            return ImageRejectedError(reason=f"Bedrock refused the image: {message}")
        return error
