"""Execution and task identifiers.

An execution id is derived from the upload (bucket, key, version) and the
pattern, so a redelivered event maps to the same id and starts nothing new,
while the two patterns never share an id. The form ``sf-<32 hex>`` is valid as
a Step Functions execution name and as a durable execution name.
"""

from __future__ import annotations

import hashlib
import re

from album_registry.domain.models import WorkflowType

EXECUTION_ID_PATTERN = re.compile(r"^(sf|ldf)-[0-9a-f]{32}$")


def execution_id_for_upload(
    workflow: WorkflowType, *, bucket: str, key: str, version: str | None
) -> str:
    upload = "\n".join((bucket, key, version or ""))
    digest = hashlib.sha256(upload.encode("utf-8", errors="surrogatepass")).hexdigest()
    return f"{workflow.short_name}-{digest[:32]}"


def task_id_for_execution(execution_id: str) -> str:
    """One validation task per execution, named after it."""
    return f"task-{execution_id}"


def workflow_of(identifier: str) -> WorkflowType:
    """The pattern an execution or task id belongs to."""
    bare = identifier.removeprefix("task-")
    if bare.startswith("sf-"):
        return WorkflowType.STEP_FUNCTIONS
    if bare.startswith("ldf-"):
        return WorkflowType.DURABLE_FUNCTIONS
    raise ValueError(f"{identifier[:100]!r} is not an execution or task id of this registry")
