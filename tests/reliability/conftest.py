"""Shared fixtures of the reliability suite: the sample photos, the stacks, whole-item checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from album_registry.domain import items
from album_registry.domain.models import WorkflowType

from tests.stack_pipelines import shelf_photo, stack_pool  # noqa: F401 (the fixtures, for the suites on a running stack)

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
ENGINES = pytest.mark.parametrize("workflow", list(WorkflowType), ids=lambda w: w.short_name)


def assert_whole_items(found: list[dict[str, Any]], *, albums: int, tasks: int) -> None:
    """One execution record, ``albums`` album items and ``tasks`` task items, each complete.

    Complete: every attribute of its record model is there (a half-written
    item misses some) and the item parses back into the model.
    """
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for item in found:
        by_entity.setdefault(item["entityType"], []).append(item)
    assert len(by_entity.get(items.ENTITY_EXECUTION, [])) == 1, found
    assert len(by_entity.get(items.ENTITY_ALBUM, [])) == albums, found
    assert len(by_entity.get(items.ENTITY_TASK, [])) == tasks, found
    for item in found:
        if item["entityType"] == items.ENTITY_EXECUTION:
            record = items.execution_from_item(item)
        elif item["entityType"] == items.ENTITY_ALBUM:
            record = items.album_from_item(item)
        else:
            record = items.task_from_item(item)
        missing = set(type(record).model_fields) - set(item)
        assert not missing, f"{item['pk']} {item['sk']} lacks {missing}"
    indexes = sorted(int(item["albumIndex"]) for item in by_entity.get(items.ENTITY_ALBUM, []))
    assert indexes == list(range(1, albums + 1))
