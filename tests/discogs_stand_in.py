"""A stand-in for the Discogs API on loopback, for a stack whose ``discogsBaseUrl`` points at it.

It answers the two calls the price agents make (a database search, then the
release's price suggestions), holding each search until the agents of one run
are all searching at once (``SearchesTogether``).
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from album_registry.adapters.discogs_prices import SUGGESTED_CONDITION

# How often a held search looks whether its caller is still there.
_CALLER_CHECK_SECONDS = 0.2


class SearchesTogether:
    """A barrier for Discogs searches: no search is answered before ``agents`` different
    albums are being searched at the same moment.

    Counted by album, and only while the search's caller still waits for it: a price
    agent whose HTTP client gave up on a held search (and closed its connection) is
    not searching any more, whether it asks again or not. Rounds are set by the test
    (``next_round``): the stand-in cannot tell one run's agents from another's. If a
    round's agents are not all searching together within ``timeout_seconds`` of its
    first search, the barrier breaks and every search of the round is refused.
    """

    def __init__(self, agents: int, timeout_seconds: float) -> None:
        self._agents = agents
        self._timeout = timeout_seconds
        self._condition = threading.Condition()
        # The searches held now: each one's album, and whether its caller still waits for it.
        self._held: list[tuple[str, Callable[[], bool]]] = []
        self._deadline: float | None = None
        self.released: frozenset[str] | None = None
        self.broken = False

    def next_round(self) -> None:
        with self._condition:
            self._held, self._deadline, self.released, self.broken = [], None, None, False

    def wait(self, album: str, still_asking: Callable[[], bool]) -> bool:
        """Whether ``album``'s search may be answered: the round's agents were all searching at once."""
        with self._condition:
            if self.released is not None:
                return album in self.released  # a search of this round, asked again
            if self._deadline is None:
                self._deadline = time.monotonic() + self._timeout
            search = (album, still_asking)
            self._held.append(search)
            try:
                while self.released is None and not self.broken:
                    # Only the searches whose callers still wait count: an agent gone is not searching.
                    self._held = [(held, asking) for held, asking in self._held if asking()]
                    if search not in self._held:
                        return False
                    albums = frozenset(held for held, _ in self._held)
                    if len(albums) == self._agents:
                        self.released = albums
                        self._condition.notify_all()
                        break
                    remaining = self._deadline - time.monotonic()
                    if remaining <= 0:
                        self.broken = True
                        self._condition.notify_all()
                        break
                    self._condition.wait(min(remaining, _CALLER_CHECK_SECONDS))
                return self.released is not None and album in self.released
            finally:
                if search in self._held:
                    self._held.remove(search)


class DiscogsStandIn:
    """The stand-in's server: ``url`` is what ``discogsBaseUrl`` takes."""

    def __init__(self, searches: SearchesTogether) -> None:
        self.searches = searches
        # A release id per album, in the order they were first searched.
        self._releases: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def release_of(self, album: str) -> int:
        with self._lock:
            return self._releases.setdefault(album, len(self._releases) + 1)

    @contextmanager
    def serving(self) -> Iterator[DiscogsStandIn]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()


def suggested_price(release: int) -> float:
    """The stand-in's VG+ price suggestion for a release."""
    return 20.0 + release


def _still_connected(connection: socket.socket) -> bool:
    """Whether the caller still holds the connection: a closed one reads as the end of the stream."""
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        return not readable or connection.recv(1, socket.MSG_PEEK) != b""
    except OSError:
        return False


class JsonAnswers(BaseHTTPRequestHandler):
    """A request handler that answers JSON, as the Discogs API does, and logs nothing."""

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        return None


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A price agent that gave up on a held search has closed its connection: nothing to report."""


def _handler(discogs: DiscogsStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonAnswers):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            url = urlparse(self.path)
            if url.path == "/database/search":
                query = parse_qs(url.query)
                album = f"{query['artist'][0]} - {query['release_title'][0]}"
                if not discogs.searches.wait(album, lambda: _still_connected(self.connection)):
                    return self._answer(HTTPStatus.SERVICE_UNAVAILABLE, {"message": "the agents never searched together"})
                return self._answer(HTTPStatus.OK, {"results": [{"id": discogs.release_of(album)}]})
            if url.path.startswith("/marketplace/price_suggestions/"):
                release = int(url.path.rsplit("/", 1)[1])
                return self._answer(HTTPStatus.OK, {SUGGESTED_CONDITION: {"currency": "USD", "value": suggested_price(release)}})
            return self._answer(HTTPStatus.NOT_FOUND, {"message": "not found"})

    return Handler
