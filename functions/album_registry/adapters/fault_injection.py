"""Faults injected by configuration (``FAULT_INJECTION``, JSON), at the ports.

A chaos run on a deployed stack sets the plan with the stack setting
``faultInjection``; the equivalence and fault suites set it on the local
stack. The handlers never know: composition wraps the real vision provider,
price estimator and repository when a plan asks for it, so the very code
that runs in production is what the fault runs exercise. Counters live in the
process, as a Lambda container's would.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field

from album_registry.domain.errors import (
    PriceEstimationError,
    VisionOutputError,
    VisionUnavailableError,
)
from album_registry.domain.models import Album, ExtractedAlbum, PriceEstimate
from album_registry.domain.ports import PriceEstimator, VisionProvider

ALWAYS = -1


class FaultPlan(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    vision_unavailable_calls: int = Field(default=0, ge=ALWAYS)
    vision_unusable_output: bool = False
    price_failing_albums: list[int] = []
    price_failures_per_album: int = Field(default=0, ge=0)
    repository_throttled_writes: int = Field(default=0, ge=0)

    @classmethod
    def parse(cls, text: str | None) -> FaultPlan:
        return cls.model_validate_json(text) if text else cls()

    def wrap_vision(self, provider: VisionProvider) -> VisionProvider:
        if self.vision_unavailable_calls or self.vision_unusable_output:
            return FaultyVision(provider, self)
        return provider

    def wrap_prices(self, estimator: PriceEstimator) -> PriceEstimator:
        if self.price_failing_albums or self.price_failures_per_album:
            return FaultyPrices(estimator, self)
        return estimator

    def wrap_repository(self, repository: Any) -> Any:
        if self.repository_throttled_writes:
            return ThrottledRepository(repository, self.repository_throttled_writes)
        return repository


class FaultyVision:
    def __init__(self, provider: VisionProvider, plan: FaultPlan) -> None:
        self._provider = provider
        self._plan = plan
        self._calls = 0
        self._lock = threading.Lock()
        self.name = provider.name

    def read_covers(self, image: bytes) -> list[ExtractedAlbum]:
        with self._lock:
            self._calls += 1
            call = self._calls
        unavailable = self._plan.vision_unavailable_calls
        if unavailable == ALWAYS or call <= unavailable:
            raise VisionUnavailableError(provider=self.name, reason="injected throttling")
        if self._plan.vision_unusable_output:
            raise VisionOutputError(provider=self.name, reason="injected unusable output")
        return self._provider.read_covers(image)


class FaultyPrices:
    def __init__(self, estimator: PriceEstimator, plan: FaultPlan) -> None:
        self._estimator = estimator
        self._plan = plan
        self._attempts: Counter[tuple[int, str, str]] = Counter()
        self._lock = threading.Lock()

    def estimate(self, album: Album) -> PriceEstimate:
        if album.albumIndex in self._plan.price_failing_albums:
            raise PriceEstimationError(album_index=album.albumIndex, reason="injected market outage")
        identity = (album.albumIndex, album.artist, album.albumName)
        with self._lock:
            self._attempts[identity] += 1
            attempt = self._attempts[identity]
        if attempt <= self._plan.price_failures_per_album:
            raise PriceEstimationError(
                album_index=album.albumIndex, reason=f"injected transient failure (attempt {attempt})"
            )
        return self._estimator.estimate(album)


class ThrottledRepository:
    """Raises DynamoDB's throttling error on the first writes, then delegates."""

    _WRITES = frozenset(
        {"create_execution", "update_execution", "save_albums", "save_album", "create_task", "close_task"}
    )

    def __init__(self, repository: Any, throttled_writes: int) -> None:
        self._repository = repository
        self._remaining = throttled_writes
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._repository, name)
        if name not in self._WRITES:
            return method

        def throttled(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                throttle = self._remaining > 0
                self._remaining -= throttle
            if throttle:
                raise ClientError(
                    {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "injected"}},
                    name,
                )
            return method(*args, **kwargs)

        return throttled
