"""The Discogs client against a stub server on loopback: never the real API."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import boto3
import pytest

from album_registry import composition, constants
from album_registry.adapters.discogs_prices import DISCOGS_PRICE_SOURCE, DiscogsPriceEstimator, DiscogsWhileTokenSet
from album_registry.catalog import load_album_catalog
from album_registry.domain.errors import PriceEstimationError
from album_registry.domain.models import Album
from album_registry.domain.price_estimator import OFFLINE_PRICE_SOURCE, OfflinePriceEstimator
from local_aws.lambda_runtime import reset_composition
from tests.discogs_stand_in import JsonAnswers


class StubDiscogs(JsonAnswers):
    requests: list[tuple[str, dict, str]] = []
    failures_before_success = 0

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        url = urlparse(self.path)
        StubDiscogs.requests.append((url.path, parse_qs(url.query), self.headers.get("Authorization", "")))
        if StubDiscogs.failures_before_success > 0:
            StubDiscogs.failures_before_success -= 1
            return self._answer(503, {"message": "busy"})
        if url.path == "/database/search":
            title = parse_qs(url.query)["release_title"][0]
            return self._answer(200, {"results": [{"id": 249504}] if title == "Kind of Blue" else []})
        if url.path == "/marketplace/price_suggestions/249504":
            return self._answer(200, {"Very Good Plus (VG+)": {"currency": "USD", "value": 31.456}})
        return self._answer(404, {"message": "not found"})


@pytest.fixture
def discogs() -> Iterator[str]:
    StubDiscogs.requests = []
    StubDiscogs.failures_before_success = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), StubDiscogs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


KIND_OF_BLUE = Album(albumIndex=2, artist="Miles Davis", albumName="Kind of Blue", year=1959)


def test_the_vg_plus_suggestion_is_the_estimate(discogs):
    estimate = DiscogsPriceEstimator(token="secret-token", base_url=discogs).estimate(KIND_OF_BLUE)
    assert (estimate.priceEstimate, estimate.priceSource) == (31.46, DISCOGS_PRICE_SOURCE)
    search = StubDiscogs.requests[0]
    assert search[1]["artist"] == ["Miles Davis"] and search[1]["year"] == ["1959"]
    assert search[2] == "Discogs token=secret-token"


def test_busy_answers_are_retried(discogs):
    StubDiscogs.failures_before_success = 2
    assert DiscogsPriceEstimator(token="t", base_url=discogs).estimate(KIND_OF_BLUE).priceEstimate == 31.46


def test_an_unknown_album_is_a_price_failure_naming_the_album(discogs):
    unknown = Album(albumIndex=5, artist="Nobody", albumName="Nothing", year=None)
    with pytest.raises(PriceEstimationError, match="album 5.*no Discogs release"):
        DiscogsPriceEstimator(token="t", base_url=discogs).estimate(unknown)


class TokenHolder:
    """A token source whose token the test sets and clears."""

    def __init__(self, token: str | None = None) -> None:
        self.current = token

    def token(self) -> str | None:
        return self.current


def test_prices_come_from_discogs_only_while_a_token_is_set(discogs):
    offline = OfflinePriceEstimator(load_album_catalog())
    tokens = TokenHolder()
    prices = DiscogsWhileTokenSet(tokens=tokens, without_token=offline, base_url=discogs)
    assert prices.estimate(KIND_OF_BLUE) == offline.estimate(KIND_OF_BLUE)
    assert StubDiscogs.requests == []
    tokens.current = "first-token"
    assert prices.estimate(KIND_OF_BLUE).priceSource == DISCOGS_PRICE_SOURCE
    tokens.current = "rotated-token"
    prices.estimate(KIND_OF_BLUE)
    assert [request[2] for request in StubDiscogs.requests] == [
        "Discogs token=first-token", "Discogs token=first-token",
        "Discogs token=rotated-token", "Discogs token=rotated-token",
    ]
    tokens.current = None
    assert prices.estimate(KIND_OF_BLUE).priceSource == OFFLINE_PRICE_SOURCE
    assert len(StubDiscogs.requests) == 4


@pytest.fixture
def composed(monkeypatch: pytest.MonkeyPatch, discogs: str) -> Iterator[None]:
    monkeypatch.setenv(constants.TABLE_NAME_ENV, "t")
    monkeypatch.setenv(constants.DISCOGS_BASE_URL_ENV, discogs)
    monkeypatch.delenv(constants.DISCOGS_TOKEN_SECRET_NAME_ENV, raising=False)
    reset_composition()
    yield
    reset_composition()


def test_a_function_given_no_secret_prices_with_the_offline_model(composed):
    assert composition.discogs_token() is None
    assert composition.price_estimator().estimate(KIND_OF_BLUE).priceSource == OFFLINE_PRICE_SOURCE


def test_the_secret_named_in_the_environment_selects_discogs_prices(composed, aws, monkeypatch):
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name="vinyl-test-discogs-token", SecretString="from-the-secret")
    monkeypatch.setenv(constants.DISCOGS_TOKEN_SECRET_NAME_ENV, "vinyl-test-discogs-token")
    reset_composition()
    assert composition.price_estimator().estimate(KIND_OF_BLUE).priceSource == DISCOGS_PRICE_SOURCE
    assert StubDiscogs.requests[0][2] == "Discogs token=from-the-secret"
