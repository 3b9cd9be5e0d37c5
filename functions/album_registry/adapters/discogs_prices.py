"""Prices from the Discogs marketplace, used while the Discogs token's secret holds a token.

The album is looked up in the Discogs database (artist, title, year), and the
first matching release's "Very Good Plus" price suggestion is the estimate.
HTTP retries (429 and 5xx, with backoff) are urllib3's. Live prices move, so
unlike the offline estimator two calls may disagree: the comparison runs use
the offline estimator.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import urllib3
from urllib3.util.retry import Retry

from album_registry.domain.errors import PriceEstimationError
from album_registry.domain.models import Album, PriceEstimate
from album_registry.domain.ports import DiscogsTokenSource, PriceEstimator

DISCOGS_API = "https://api.discogs.com"
DISCOGS_PRICE_SOURCE = "discogs-marketplace"
SUGGESTED_CONDITION = "Very Good Plus (VG+)"
USER_AGENT = "vinyl-album-registry/0.1 +https://github.com/"
_RETRIES = Retry(total=3, backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504), allowed_methods=("GET",))


class DiscogsPriceEstimator:
    def __init__(self, *, token: str, base_url: str = DISCOGS_API, timeout_seconds: float = 10.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Discogs token={token}", "User-Agent": USER_AGENT}
        self._http = urllib3.PoolManager(retries=_RETRIES, timeout=urllib3.Timeout(total=timeout_seconds))

    def estimate(self, album: Album) -> PriceEstimate:
        if not album.artist.strip() or not album.albumName.strip():
            raise PriceEstimationError(album_index=album.albumIndex, reason="artist and album name are both needed")
        query = {"artist": album.artist, "release_title": album.albumName, "type": "release", "per_page": 5}
        if album.year is not None:
            query["year"] = album.year
        results = self._get(album, f"/database/search?{urlencode(query)}").get("results") or []
        if not results:
            raise PriceEstimationError(album_index=album.albumIndex, reason="no Discogs release matches")
        suggestions = self._get(album, f"/marketplace/price_suggestions/{int(results[0]['id'])}")
        suggestion = suggestions.get(SUGGESTED_CONDITION)
        if not suggestion or suggestion.get("value") is None:
            raise PriceEstimationError(album_index=album.albumIndex, reason="Discogs has no price suggestion")
        return PriceEstimate(
            priceEstimate=round(float(suggestion["value"]), 2),
            # An exact year match is a surer identification than title alone.
            priceConfidence=0.9 if album.year is not None else 0.7,
            priceSource=DISCOGS_PRICE_SOURCE,
        )

    def _get(self, album: Album, path: str) -> dict[str, Any]:
        try:
            response = self._http.request("GET", self._base_url + path, headers=self._headers)
        except urllib3.exceptions.HTTPError as error:
            raise PriceEstimationError(album_index=album.albumIndex, reason=f"Discogs unreachable: {error}") from error
        if response.status != 200:
            raise PriceEstimationError(album_index=album.albumIndex, reason=f"Discogs answered {response.status}")
        return json.loads(response.data)


class DiscogsWhileTokenSet:
    """Discogs prices while the token source holds a token, ``without_token``'s otherwise.

    The token is asked for on every estimate (its source caches it), so a token
    set, changed or cleared after deployment takes effect in warm functions too.
    """

    def __init__(self, *, tokens: DiscogsTokenSource, without_token: PriceEstimator, base_url: str = DISCOGS_API) -> None:
        self._tokens = tokens
        self._without_token = without_token
        self._base_url = base_url
        # One client per token in use, so that its connections are reused.
        self._discogs: tuple[str, DiscogsPriceEstimator] | None = None

    def estimate(self, album: Album) -> PriceEstimate:
        token = self._tokens.token()
        if token is None:
            return self._without_token.estimate(album)
        in_use = self._discogs  # read once: price agents run in threads
        if in_use is None or in_use[0] != token:
            in_use = (token, DiscogsPriceEstimator(token=token, base_url=self._base_url))
            self._discogs = in_use
        return in_use[1].estimate(album)
