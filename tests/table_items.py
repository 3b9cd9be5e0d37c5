"""Table items as the two patterns wrote them, made comparable across tenants."""

from __future__ import annotations

import re
from typing import Any

from album_registry.adapters.dynamodb_repository import unmarshal
from album_registry.domain.models import WorkflowType

# What legitimately differs between the two patterns' items: when things
# happened, the engine's resume handle, and the tenant itself.
_VOLATILE = {
    "startedAt", "updatedAt", "completedAt", "createdAt", "expiresAt", "durationMs",
    "taskToken", "callbackId", "engineExecutionArn",
}
_TENANT = re.compile(r"\b(sf|ldf)(#|-)")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def tenant_neutral(item: dict[str, Any]) -> dict[str, Any]:
    neutral = {}
    for name, value in item.items():
        if name in _VOLATILE or name == "workflowType":
            continue
        if isinstance(value, str):
            value = _TIMESTAMP.sub("<time>", _TENANT.sub(r"<tenant>\2", value))
        neutral[name] = value
    return neutral


def items_by_pattern(dynamodb: Any, table_name: str) -> dict[WorkflowType, list[dict[str, Any]]]:
    """Every item of the table, tenant-neutral, grouped by the pattern that wrote it."""
    scanned = [unmarshal(item) for item in dynamodb.scan(TableName=table_name)["Items"]]
    grouped: dict[WorkflowType, list[dict[str, Any]]] = {workflow: [] for workflow in WorkflowType}
    for item in scanned:
        grouped[WorkflowType(item["workflowType"])].append(tenant_neutral(item))
    return {workflow: sorted(found, key=lambda i: (i["pk"], i["sk"])) for workflow, found in grouped.items()}
