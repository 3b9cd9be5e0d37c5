"""What the bench tests share: settings for a small run and a progress counter."""

from __future__ import annotations

from collections.abc import Callable

from album_registry.domain.models import WorkflowType
from albums.bench.workload import BenchSettings, ValidationPlan


def small_run_settings(images: int, *, validation: str = "auto") -> BenchSettings:
    return BenchSettings(
        images=images,
        concurrency=2,
        validation=ValidationPlan.parse(validation),
        lambda_memory_mb=1024,
        durable_retention_days=14,
    )


class ProgressCounter:
    """A progress callback factory that counts the ticks of each pattern."""

    def __init__(self) -> None:
        self.ticks: dict[WorkflowType, int] = {}

    def __call__(self, workflow: WorkflowType, total: int) -> Callable[[], None]:
        self.ticks[workflow] = 0

        def tick() -> None:
            self.ticks[workflow] += 1

        return tick
