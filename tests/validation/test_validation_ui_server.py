"""``albums ui``'s server: loopback only, this run's token required, /api forwarded."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

import pytest

from album_registry.domain.models import WorkflowType
from albums.history.reader import UploadHistory
from albums.ui.api_transport import ApiRequest, ApiResponse
from albums.ui.server import LOOPBACK, UiServer


class RecordingTransport:
    def __init__(self) -> None:
        self.requests: list[ApiRequest] = []

    def send(self, request: ApiRequest) -> ApiResponse:
        self.requests.append(request)
        if request.path.endswith("/image"):
            return ApiResponse(status=307, headers={"Location": "https://photos.example/x.jpg?sig=1"})
        return ApiResponse(status=200, headers={"Content-Type": "application/json"}, body=b'{"tasks": []}')


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[UiServer, RecordingTransport]]:
    transport = RecordingTransport()
    server = UiServer(transport).start()
    yield server, transport
    server.stop()


@pytest.fixture
def served(running: tuple[UiServer, RecordingTransport]) -> tuple[UiServer, RecordingTransport]:
    running[1].requests.clear()
    return running


def fetch(server: UiServer, method: str, target: str, *, cookie: str | None = None, body: bytes = b"") -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(LOOPBACK, server.port, timeout=10)
    headers = {"Cookie": cookie} if cookie else {}
    if body:
        headers["Content-Type"] = "application/json"
    connection.request(method, target, body=body or None, headers=headers)
    response = connection.getresponse()
    response.read()
    return response


def test_it_listens_on_loopback_only(served: tuple[UiServer, RecordingTransport]) -> None:
    server, _ = served
    assert server.url.startswith(f"http://127.0.0.1:{server.port}/?token=")


@pytest.mark.parametrize("target", ["/", "/index.html", "/app.js", "/api/tasks", "/?token=wrong", "/api/tasks?token="])
def test_requests_without_the_token_are_refused(served: tuple[UiServer, RecordingTransport], target: str) -> None:
    server, transport = served
    assert fetch(server, "GET", target).status == 401
    assert fetch(server, "GET", target, cookie=f"albums_ui_{server.port}=wrong").status == 401
    assert transport.requests == []


def test_the_printed_url_trades_its_token_for_a_cookie(served: tuple[UiServer, RecordingTransport]) -> None:
    server, transport = served
    first = fetch(server, "GET", server.url.removeprefix(server.base_url))
    assert first.status == 303 and first.getheader("Location") == "/"
    cookie = first.getheader("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    pair = cookie.split(";", 1)[0]
    page = fetch(server, "GET", "/", cookie=pair)
    assert page.status == 200 and page.getheader("Content-Type").startswith("text/html")
    assert "default-src 'self'" in page.getheader("Content-Security-Policy")
    assert fetch(server, "GET", "/style.css", cookie=pair).status == 200
    assert fetch(server, "GET", "/../pyproject.toml", cookie=pair).status == 404
    assert fetch(server, "GET", "/%2e%2e/pyproject.toml", cookie=pair).status == 404

    listed = fetch(server, "GET", "/api/tasks?status=pending&workflowType=step-functions", cookie=pair)
    assert listed.status == 200
    image = fetch(server, "GET", f"/api/tasks/task-sf-1/image?token={server.token}")
    assert image.status == 307 and image.getheader("Location") == "https://photos.example/x.jpg?sig=1"
    body = json.dumps({"accept": True}).encode()
    assert fetch(server, "POST", "/api/tasks/task-sf-1", cookie=pair, body=body).status == 200
    assert [(r.method, r.path, r.query, r.body) for r in transport.requests] == [
        ("GET", "/tasks", "status=pending&workflowType=step-functions", b""),
        ("GET", "/tasks/task-sf-1/image", "", b""),
        ("POST", "/tasks/task-sf-1", "", body),
    ]



@pytest.mark.parametrize(
    ("target", "status"),
    [("/histories?execution=sf-" + "0" * 32, 404), ("/histories", 404), ("/history.html", 200), ("/page.js", 200)],
)
def test_a_server_without_a_history_reader_says_so_and_forwards_nothing(
    served: tuple[UiServer, RecordingTransport], target: str, status: int
) -> None:
    server, transport = served
    assert fetch(server, "GET", target, cookie=f"albums_ui_{server.port}={server.token}").status == status
    assert fetch(server, "GET", target).status == 401
    assert transport.requests == []


class RecordingReader:
    """A history reader that records what it is asked for (the reader itself is tested on the Stubber)."""

    def __init__(self) -> None:
        self.asked: list[dict[str, str]] = []

    def read(self, execution_ids: Mapping[WorkflowType, str]) -> UploadHistory:
        self.asked.append({workflow.value: execution_id for workflow, execution_id in execution_ids.items()})
        return UploadHistory(read_at=datetime(2026, 12, 6, tzinfo=UTC), engines=[])


@pytest.mark.parametrize("wrong", ["sf-1", "task-sf-" + "0" * 32, "ldf-" + "g" * 32, ""])
def test_the_history_route_takes_only_execution_ids_of_this_registry(wrong: str) -> None:
    reader = RecordingReader()
    server = UiServer(RecordingTransport(), histories=reader).start()
    try:
        cookie = f"albums_ui_{server.port}={server.token}"
        sf, durable = "sf-" + "a" * 32, "ldf-" + "b" * 32
        answer = fetch(server, "GET", f"/histories?execution={sf}&execution={durable}", cookie=cookie)
        assert answer.status == 200 and answer.getheader("Cache-Control") == "no-store"
        assert fetch(server, "GET", f"/histories?execution={sf}&execution={wrong}", cookie=cookie).status == 422
        assert reader.asked == [{"step-functions": sf, "durable-functions": durable}]
    finally:
        server.stop()
