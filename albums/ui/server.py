"""The page server behind ``albums ui``: static files plus ``/api`` forwarding.

It listens on 127.0.0.1 only and answers only requests that carry this run's
token: the printed URL holds it (``/?token=...``), the first visit trades it
for an HttpOnly, SameSite=Strict cookie and drops it from the address bar.
Other local users and other sites' pages therefore cannot drive the API
with the user's credentials.

``GET /histories?execution=ID&execution=ID`` is answered here, not by the
validation API: the engines' histories are read with the user's own
credentials through ``GetExecutionHistory`` and
``GetDurableExecutionHistory`` (``albums.history``), as ``albums history``
reads them, for the page ``history.html``.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from album_registry.domain.ids import EXECUTION_ID_PATTERN, workflow_of
from albums.history.reader import UploadHistories
from albums.ui.api_transport import ApiRequest, ApiTransport

WEB_ROOT = Path(__file__).resolve().parents[1] / "web"
LOOPBACK = "127.0.0.1"
# Cookies ignore ports: each server names its own, so two can run side by side.
TOKEN_COOKIE_PREFIX = "albums_ui_"
TOKEN_PARAMETER = "token"
API_PREFIX = "/api"
HISTORIES_PATH = "/histories"
MAX_BODY_BYTES = 64 * 1024
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
# Answer headers of the API worth passing to the browser.
_FORWARDED_RESPONSE_HEADERS = ("content-type", "location", "cache-control")
_SECURITY_HEADERS = {
    # Photos come from presigned S3 (or local stack) URLs on other origins.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' http: https: data: blob:; "
    "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class UiServer:
    def __init__(
        self,
        transport: ApiTransport,
        *,
        port: int = 0,
        token: str | None = None,
        web_root: Path = WEB_ROOT,
        histories: UploadHistories | None = None,
    ) -> None:
        self.token = token or secrets.token_urlsafe(24)
        self._transport = transport
        self._histories = histories
        self._web_root = web_root
        self._httpd = ThreadingHTTPServer((LOOPBACK, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def url(self) -> str:
        """The one URL to open: it carries the token."""
        return f"{self.base_url}/?{urlencode({TOKEN_PARAMETER: self.token})}"

    def start(self) -> UiServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="albums-ui", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(_PageRequestHandler):
            ui = server

        return Handler


class _PageRequestHandler(BaseHTTPRequestHandler):
    ui: UiServer
    protocol_version = "HTTP/1.1"
    server_version = "albums-ui"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        # Request lines would print the token; the page reports its own errors.
        return

    def _dispatch(self) -> None:
        target = urlsplit(self.path)
        query = parse_qsl(target.query, keep_blank_values=True)
        offered = dict(query).get(TOKEN_PARAMETER)
        if not (self._matches(offered) or self._matches(self._cookie_token())):
            self._answer(HTTPStatus.UNAUTHORIZED, b"missing or wrong token: open the URL albums ui printed\n", "text/plain")
            return
        if offered is not None and self.command == "GET" and not target.path.startswith(API_PREFIX):
            # Trade the token in the address bar for a cookie, then show a clean URL.
            self._answer(
                HTTPStatus.SEE_OTHER,
                b"",
                "text/plain",
                {"Location": target.path, "Set-Cookie": self._cookie()},
            )
            return
        remaining = urlencode([(name, value) for name, value in query if name != TOKEN_PARAMETER])
        if target.path == API_PREFIX or target.path.startswith(API_PREFIX + "/"):
            self._forward(target.path[len(API_PREFIX) :] or "/", remaining)
        elif target.path == HISTORIES_PATH and self.command == "GET":
            self._histories([value for name, value in query if name == "execution"])
        elif self.command == "GET":
            self._static(target.path)
        else:
            self._answer(HTTPStatus.METHOD_NOT_ALLOWED, b"", "text/plain")

    def _forward(self, path: str, query: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"", "text/plain")
            return
        body = self.rfile.read(length) if length else b""
        headers = {"content-type": self.headers.get("Content-Type", "application/json")} if body else {}
        answer = self.ui._transport.send(ApiRequest(method=self.command, path=path, query=query, body=body, headers=headers))
        passed = {
            name: value for name in _FORWARDED_RESPONSE_HEADERS if (value := answer.header(name)) is not None
        }
        content_type = passed.pop("content-type", "application/json")
        self._answer(answer.status, answer.body, content_type, passed)

    def _histories(self, execution_ids: list[str]) -> None:
        reader = self.ui._histories
        if reader is None:
            self._json(HTTPStatus.NOT_FOUND, {"message": "this server reads no engine histories"})
            return
        wrong = [value[:100] for value in execution_ids if not EXECUTION_ID_PATTERN.fullmatch(value)]
        if wrong or not execution_ids:
            self._json(HTTPStatus.UNPROCESSABLE_ENTITY, {"message": f"execution ids wanted, as sf-… and ldf-…: {wrong}"})
            return
        by_workflow = {workflow_of(value): value for value in execution_ids}
        try:
            history = reader.read(by_workflow)
        except (BotoCoreError, ClientError) as error:
            self._json(HTTPStatus.BAD_GATEWAY, {"message": f"the engines' histories could not be read: {error}"})
            return
        self._json(HTTPStatus.OK, history.model_dump(mode="json"))

    def _json(self, status: int, document: object) -> None:
        self._answer(status, json.dumps(document).encode(), "application/json", {"Cache-Control": "no-store"})

    def _static(self, path: str) -> None:
        name = "index.html" if path in ("", "/") else path.lstrip("/")
        root = self.ui._web_root.resolve()
        file = (root / name).resolve()
        if file.parent != root or not file.is_file() or file.suffix not in _CONTENT_TYPES:
            self._answer(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")
            return
        self._answer(HTTPStatus.OK, file.read_bytes(), _CONTENT_TYPES[file.suffix], {"Cache-Control": "no-cache"})

    def _answer(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in {**_SECURITY_HEADERS, **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _cookie_token(self) -> str | None:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.headers.get("Cookie", ""))
        except CookieError:
            return None
        morsel = jar.get(f"{TOKEN_COOKIE_PREFIX}{self.ui.port}")
        return morsel.value if morsel else None

    def _cookie(self) -> str:
        return f"{TOKEN_COOKIE_PREFIX}{self.ui.port}={self.ui.token}; HttpOnly; SameSite=Strict; Path=/"

    def _matches(self, candidate: str | None) -> bool:
        return candidate is not None and hmac.compare_digest(candidate.encode(), self.ui.token.encode())
