"""The local stack's Bedrock: the Converse API, answered by the offline reader.

The functions' own provider (``BedrockVisionProvider``) and botocore's own
``bedrock-runtime`` client talk to it; every answer is checked against
botocore's service model.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from album_registry.adapters.bedrock_vision import TOOL_NAME, converse_request, parse_model_output
from album_registry.constants import DEFAULT_BEDROCK_MODEL_ID
from album_registry.domain.errors import ImageRejectedError, VisionUnavailableError
from local_aws.bedrock_runtime import READER_NICENESS, READS_PATH, LocalBedrockRuntime
from local_aws.gateway import GatewayServer
from tests.local_bedrock import bedrock_client, bedrock_provider, serve_bedrock
from tests.local_stack.conftest import child_processes
from tests.service_models import assert_is_model_error, assert_is_model_output

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture(scope="module")
def truth() -> list[dict[str, Any]]:
    images = json.loads((SAMPLES / "truth.json").read_text())["images"]
    return next(image for image in images if image["file"] == "shelf-01.jpg")["albums"]


@pytest.fixture
def private_reader() -> Iterator[tuple[LocalBedrockRuntime, GatewayServer]]:
    """A reader pool of one process, behind a gateway of its own."""
    reader = LocalBedrockRuntime(processes=1)
    server = serve_bedrock(reader)
    yield reader, server
    server.stop()
    reader.stop()


def _reads(endpoint: str) -> dict[str, float]:
    with urllib.request.urlopen(endpoint + READS_PATH) as answer:
        return json.loads(answer.read())


def _spawned_children() -> list[int]:
    """This process's children started by multiprocessing's spawn (the reader pools')."""
    pids = []
    for entry in child_processes(os.getpid()):
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            pids.append(int(entry.name))
    return pids


def test_converse_calls_the_forced_tool_with_the_covers_in_the_models_shape(
    local_bedrock_endpoint: str, truth: list[dict[str, Any]]
) -> None:
    client = bedrock_client(local_bedrock_endpoint)
    photo = (SAMPLES / "shelf-01.jpg").read_bytes()
    response = client.converse(**converse_request(model_id=DEFAULT_BEDROCK_MODEL_ID, image=photo, image_format_name="jpeg"))
    assert_is_model_output(client, "Converse", response)
    assert response["stopReason"] == "tool_use"
    assert response["usage"]["inputTokens"] > 0 and response["usage"]["outputTokens"] > 0
    [block] = response["output"]["message"]["content"]
    assert block["toolUse"]["name"] == TOOL_NAME
    albums = parse_model_output(response["output"]["message"]["content"])
    assert [album.albumIndex for album in albums] == [1, 2, 3, 4, 5, 6]
    # The famous covers of the sample read right, and every cover says where it lies.
    for album, expected in zip(albums, truth, strict=True):
        assert album.coverBox is not None and all(0.0 <= part <= 1.0 for part in album.coverBox)
        if expected["famous"]:
            # The catalog may give the artist's full credit ("Prince and the Revolution").
            assert expected["artist"] in album.artist
            assert (album.albumName, album.year) == (expected["albumName"], expected["year"])


def test_each_read_is_counted_with_the_cpu_it_took(local_bedrock_endpoint: str, bedrock_vision: Any) -> None:
    before = _reads(local_bedrock_endpoint)
    bedrock_vision.read_covers((SAMPLES / "shelf-02.jpg").read_bytes())
    after = _reads(local_bedrock_endpoint)
    assert after["Reads"] == before["Reads"] + 1
    assert after["CpuSeconds"] > before["CpuSeconds"]


def test_the_readers_run_below_everything_else(bedrock_vision: Any) -> None:
    """The engines and the functions' short work between steps never wait behind OCR."""
    bedrock_vision.read_covers((SAMPLES / "shelf-03.jpg").read_bytes())
    readers = _spawned_children()
    assert readers
    assert {os.getpriority(os.PRIO_PROCESS, pid) for pid in readers} == {READER_NICENESS}
    assert os.getpriority(os.PRIO_PROCESS, 0) < READER_NICENESS


def test_a_photo_the_reader_cannot_decode_is_refused_as_bedrock_refuses_it(local_bedrock_endpoint: str) -> None:
    client = bedrock_client(local_bedrock_endpoint)
    truncated = (SAMPLES / "shelf-01.jpg").read_bytes()[:2000]
    with pytest.raises(ClientError) as refused:
        client.converse(**converse_request(model_id=DEFAULT_BEDROCK_MODEL_ID, image=truncated, image_format_name="jpeg"))
    assert_is_model_error(client, "Converse", refused.value, "ValidationException")
    # The functions' provider turns it into the domain's refusal, naming the reader's reason.
    with pytest.raises(ImageRejectedError, match="truncated or corrupt"):
        bedrock_provider(local_bedrock_endpoint).read_covers(truncated)


@pytest.mark.parametrize(
    "request_body",
    [
        pytest.param({"messages": [{"role": "user", "content": [{"text": "hello"}]}]}, id="no-forced-tool"),
        pytest.param(
            {
                "messages": [{"role": "user", "content": [{"text": "no photo"}]}],
                "toolConfig": {"tools": [], "toolChoice": {"tool": {"name": TOOL_NAME}}},
            },
            id="no-image",
        ),
    ],
)
def test_a_request_this_model_cannot_answer_is_a_validation_exception(local_bedrock_endpoint: str, request_body: dict) -> None:
    client = bedrock_client(local_bedrock_endpoint)
    if "toolConfig" in request_body:
        request_body["toolConfig"]["tools"] = converse_request(model_id="m", image=b"", image_format_name="png")["toolConfig"]["tools"]
    with pytest.raises(ClientError) as refused:
        client.converse(modelId=DEFAULT_BEDROCK_MODEL_ID, **request_body)
    assert_is_model_error(client, "Converse", refused.value, "ValidationException")
    assert "This local model" in refused.value.response["Error"]["Message"]


def test_reads_past_the_waiting_limit_are_throttled_and_the_provider_gives_up_after_its_retries() -> None:
    reader = LocalBedrockRuntime(processes=1, max_waiting=0)
    server = serve_bedrock(reader)
    try:
        photo = (SAMPLES / "shelf-01.jpg").read_bytes()
        with pytest.raises(VisionUnavailableError, match="ThrottlingException after retries") as gave_up:
            bedrock_provider(server.endpoint).read_covers(photo)
        throttled = gave_up.value.__cause__
        assert isinstance(throttled, ClientError)
        assert_is_model_error(bedrock_client(server.endpoint), "Converse", throttled, "ThrottlingException")
        # botocore's standard mode: three retries after the first attempt, then the provider gives up.
        assert throttled.response["ResponseMetadata"]["RetryAttempts"] == 3
        assert _reads(server.endpoint)["Reads"] == 0
    finally:
        server.stop()
        reader.stop()


def test_a_reader_killed_mid_service_is_replaced_and_the_callers_retry_succeeds(
    private_reader: tuple[LocalBedrockRuntime, GatewayServer],
) -> None:
    reader, server = private_reader
    provider = bedrock_provider(server.endpoint)
    photo = (SAMPLES / "shelf-04.jpg").read_bytes()
    others = set(_spawned_children())
    first = provider.read_covers(photo)
    private_readers = set(_spawned_children()) - others
    assert len(private_readers) == 1
    for pid in private_readers:
        os.kill(pid, signal.SIGKILL)
    # The dead pool answers InternalServerException once; botocore retries on a new pool.
    assert provider.read_covers(photo) == first
    assert _reads(server.endpoint)["Reads"] == 2


# A stack in a process of its own: it starts a reader, says the reader's pid, and waits.
_STACK_WITH_A_READER = """
import multiprocessing, sys, time
from local_aws.bedrock_runtime import LocalBedrockRuntime
runtime = LocalBedrockRuntime(processes=1).start()
runtime._current_pool().submit(int).result()
print(*[child.pid for child in multiprocessing.active_children()], flush=True)
time.sleep(600)
"""


def _running(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_readers_of_a_stack_killed_with_sigkill_end_too() -> None:
    stack = subprocess.Popen([sys.executable, "-c", _STACK_WITH_A_READER], stdout=subprocess.PIPE, text=True)
    try:
        readers = [int(pid) for pid in stack.stdout.readline().split()]
        assert readers and all(_running(pid) for pid in readers)
    finally:
        stack.kill()
        stack.wait()
    deadline = time.monotonic() + 60
    while any(_running(pid) for pid in readers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in readers if _running(pid)], "readers outlived the stack that started them"
