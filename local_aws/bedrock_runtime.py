"""Amazon Bedrock's Converse API, answered on this machine by the offline reader.

On AWS the functions that read shelf photos call Bedrock. Here the very same
code calls the very same API, at the stack's endpoint: only
``AWS_ENDPOINT_URL`` differs, so the archives carry no local-only reader and
a Lambda worker holds no OCR models.

The reader (OCR, the cover grid and the bundled catalog, in
``local_aws.offline_vision``) answers a Converse request that forces a tool,
as the Bedrock provider sends: the tool's input is the covers it read. It runs
in a pool of processes, one per core, at the lowest CPU priority, so the
engines, the store and the functions' short work between two steps are never
queued behind a read; on AWS they would not be either. When more reads wait
than the pool ends in about a minute, the service answers
``ThrottlingException``, as Bedrock does past its quota, and the callers'
retries take over.

``GET /_local/bedrock/reads`` answers how many reads the pool has ended and
the CPU they took: ``{"Reads": N, "CpuSeconds": S}``.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from http import HTTPStatus
from multiprocessing import get_context
from typing import Any

from PIL import Image

from album_registry.domain.errors import ImageRejectedError

CONVERSE_PATH = re.compile(r"^/model/(?P<model>[^/]+)/converse$")
READS_PATH = "/_local/bedrock/reads"
# The lowest priority: reads wait for everything else on the machine.
READER_NICENESS = 19
# Reads allowed to wait per reading process (one read takes about a CPU-second).
WAITING_READS_PER_PROCESS = 30
# Anthropic's documented estimate of an image's input tokens: its pixels over
# 750, once scaled to at most 1568 pixels a side and about 1.15 megapixels.
PIXELS_PER_IMAGE_TOKEN = 750
MAX_IMAGE_SIDE = 1568
MAX_IMAGE_PIXELS = 1_150_000
CHARACTERS_PER_TOKEN = 4
# How often a reader checks that the stack that started it still runs.
ORPHAN_CHECK_SECONDS = 1.0

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ConverseRequestError(Exception):
    """A request this service refuses, with Bedrock's error code for it."""

    def __init__(self, *, code: str, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message


@dataclass(frozen=True)
class CoverReading:
    """What one read gives back from its process: the tool input or why the photo was refused, and the cost."""

    tool_input: dict[str, Any] | None
    rejection: str | None
    cpu_seconds: float
    pixels: int


# One reader per pool process, built by the pool's initializer.
_reader: Any = None


def _start_reader(stack_pid: int) -> None:
    global _reader
    os.setpriority(os.PRIO_PROCESS, 0, READER_NICENESS)
    threading.Thread(target=_exit_when_orphaned, args=(stack_pid,), name="orphan-watch", daemon=True).start()
    from local_aws.offline_vision import OfflineVisionProvider

    _reader = OfflineVisionProvider()


def _exit_when_orphaned(stack_pid: int) -> None:
    """End this reader once the process that started it is gone.

    A stack that exits normally shuts its pool down; one killed with
    ``kill -9`` cannot, and its readers would hold their models for ever. The
    kernel then gives them a new parent, which is how they notice.
    (``PR_SET_PDEATHSIG`` would not do: it fires when the thread that spawned
    the reader ends, and the gateway's request threads come and go.)
    """
    while os.getppid() == stack_pid:
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(0)


def _read_covers(image: bytes) -> CoverReading:
    """Runs in a pool process: the covers as the ``record_albums`` tool's input."""
    started = time.process_time()
    try:
        albums = _reader.read_covers(image)
    except ImageRejectedError as error:
        return CoverReading(tool_input=None, rejection=error.reason, cpu_seconds=time.process_time() - started, pixels=0)
    covers = [
        {
            "position": album.albumIndex,
            "artist": album.artist,
            "albumName": album.albumName,
            "year": album.year,
            "confidence": album.confidence,
            "coverBox": list(album.coverBox) if album.coverBox is not None else None,
        }
        for album in albums
    ]
    with Image.open(io.BytesIO(image)) as opened:
        width, height = opened.size
    scale = min(1.0, MAX_IMAGE_SIDE / max(width, height), (MAX_IMAGE_PIXELS / (width * height)) ** 0.5)
    pixels = round(width * height * scale * scale)
    return CoverReading(
        tool_input={"albums": covers}, rejection=None, cpu_seconds=time.process_time() - started, pixels=pixels
    )


class LocalBedrockRuntime:
    """The Converse API over a pool of offline readers."""

    def __init__(self, *, processes: int | None = None, max_waiting: int | None = None) -> None:
        self._processes = processes or len(os.sched_getaffinity(0))
        self._max_waiting = WAITING_READS_PER_PROCESS * self._processes if max_waiting is None else max_waiting
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._waiting = 0
        self._reads = 0
        self._cpu_seconds = 0.0

    def start(self) -> LocalBedrockRuntime:
        """Start the readers now, so the first photo does not wait for their models."""
        pool = self._current_pool()
        for _ in range(self._processes):
            pool.submit(int)
        return self

    def stop(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def reads(self) -> dict[str, float]:
        with self._lock:
            return {"Reads": self._reads, "CpuSeconds": round(self._cpu_seconds, 3)}

    def serve(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes] | None:
        """Answers a Converse or reads request; None for any other request."""
        path = environ.get("PATH_INFO", "")
        if environ["REQUEST_METHOD"] == "GET" and path == READS_PATH:
            return _json(start_response, HTTPStatus.OK, self.reads())
        converse = CONVERSE_PATH.match(path)
        if converse is None or environ["REQUEST_METHOD"] != "POST":
            return None
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            return _json(start_response, HTTPStatus.OK, self.converse(body))
        except ConverseRequestError as error:
            start_response(
                f"{error.status.value} {error.status.phrase}",
                [("Content-Type", "application/json"), ("x-amzn-ErrorType", error.code)],
            )
            return [json.dumps({"message": error.message}).encode()]

    def converse(self, body: bytes) -> dict[str, Any]:
        """The answer to one Converse request: the forced tool, called with the covers read."""
        tool_name, image = _tool_and_image(body)
        started = time.monotonic()
        reading = self._read(image)
        latency_ms = round((time.monotonic() - started) * 1000)
        answer = json.dumps(reading.tool_input)
        # The image's tokens, and the instruction's and tool schema's text (the
        # image's base64 taken out), as the model would be billed for them.
        text_characters = len(body) - len(image) * 4 // 3
        input_tokens = reading.pixels // PIXELS_PER_IMAGE_TOKEN + max(text_characters, 0) // CHARACTERS_PER_TOKEN
        output_tokens = len(answer) // CHARACTERS_PER_TOKEN
        return {
            "output": {
                "message": {
                    "role": "assistant",
                    "content": [
                        {"toolUse": {"toolUseId": f"tooluse_{uuid.uuid4().hex[:22]}", "name": tool_name, "input": reading.tool_input}}
                    ],
                }
            },
            "stopReason": "tool_use",
            "usage": {"inputTokens": input_tokens, "outputTokens": output_tokens, "totalTokens": input_tokens + output_tokens},
            "metrics": {"latencyMs": latency_ms},
        }

    def _read(self, image: bytes) -> CoverReading:
        with self._lock:
            if self._waiting >= self._max_waiting:
                raise ConverseRequestError(
                    code="ThrottlingException",
                    status=HTTPStatus.TOO_MANY_REQUESTS,
                    message=f"Too many requests: {self._waiting} photos are waiting to be read",
                )
            self._waiting += 1
        try:
            reading = self._current_pool().submit(_read_covers, image).result()
        except BrokenProcessPool:
            self._replace_broken_pool()
            raise ConverseRequestError(
                code="InternalServerException",
                status=HTTPStatus.INTERNAL_SERVER_ERROR,
                message="The model's reader stopped; try again",
            ) from None
        finally:
            with self._lock:
                self._waiting -= 1
        with self._lock:
            self._reads += 1
            self._cpu_seconds += reading.cpu_seconds
        if reading.rejection is not None:
            raise ConverseRequestError(
                code="ValidationException",
                status=HTTPStatus.BAD_REQUEST,
                message=f"The provided image is not valid: {reading.rejection}",
            )
        return reading

    def _current_pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # Spawned, not forked: the stack process runs many threads.
                self._pool = ProcessPoolExecutor(
                    max_workers=self._processes,
                    mp_context=get_context("spawn"),
                    initializer=_start_reader,
                    initargs=(os.getpid(),),
                )
            return self._pool

    def _replace_broken_pool(self) -> None:
        with self._lock:
            broken, self._pool = self._pool, None
        if broken is not None:
            broken.shutdown(wait=False, cancel_futures=True)


def _tool_and_image(body: bytes) -> tuple[str, bytes]:
    """The tool the request forces, and its photo: what this model needs to answer."""
    try:
        request = json.loads(body)
        tool_name = request["toolConfig"]["toolChoice"]["tool"]["name"]
        blocks = [block for message in request["messages"] for block in message["content"]]
    except (ValueError, KeyError, TypeError):
        raise ConverseRequestError(
            code="ValidationException",
            status=HTTPStatus.BAD_REQUEST,
            message="This local model answers only a message with a photo and a forced tool (toolChoice.tool)",
        ) from None
    images = [block["image"] for block in blocks if isinstance(block, dict) and "image" in block]
    if len(images) != 1:
        raise ConverseRequestError(
            code="ValidationException",
            status=HTTPStatus.BAD_REQUEST,
            message=f"This local model reads exactly one image per request; the request has {len(images)}",
        )
    try:
        image = base64.b64decode(images[0]["source"]["bytes"], validate=True)
    except (KeyError, TypeError, binascii.Error):
        raise ConverseRequestError(
            code="ValidationException", status=HTTPStatus.BAD_REQUEST, message="The provided image is not valid base64 bytes"
        ) from None
    return tool_name, image


def _json(start_response: Callable[..., Any], status: HTTPStatus, payload: dict[str, Any]) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(
        f"{status.value} {status.phrase}", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
