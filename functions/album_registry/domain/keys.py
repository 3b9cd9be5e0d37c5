"""Key scheme of the single table both patterns share.

Every key starts with the tenant prefix of its pattern (``sf#`` or ``ldf#``),
and every item carries ``workflowType`` and ``entityType``, so the two patterns
never read each other's data.

Items:

=============== ================================ ================ ================================ ==========================
entity          pk                               sk               GSI1PK                           GSI1SK
=============== ================================ ================ ================================ ==========================
execution       ``{p}EXEC#{executionId}``        ``EXECUTION``    ``{p}EXECUTIONS``                ``{startedAt}#{executionId}``
album           ``{p}EXEC#{executionId}``        ``ALBUM#{n}``    ``{p}ALBUMS#{status}``           ``{executionId}#{n}``
validation task ``{p}TASK#{taskId}``             ``TASK``         ``{p}TASKS#{status}``            ``{createdAt}#{taskId}``
=============== ================================ ================ ================================ ==========================

``{p}`` is the tenant prefix and ``{n}`` the album index, 1 to 6: one digit,
so text order is index order, and the state machine can build it with
``States.Format``.

Access patterns:

1. One execution with its six albums: Query ``pk = {p}EXEC#{id}``.
2. Executions of one workflow type, newest first: Query GSI1
   ``GSI1PK = {p}EXECUTIONS``, ``ScanIndexForward=False``; by status with a
   filter on ``status``.
3. Pending validation tasks, oldest first: Query GSI1
   ``GSI1PK = {p}TASKS#pending``, ``ScanIndexForward=True``. A task leaves that
   partition when it completes or times out.
4. One validation task: GetItem ``pk = {p}TASK#{taskId}``, ``sk = TASK``.
5. The registry of one workflow type, albums by status: Query GSI1
   ``GSI1PK = {p}ALBUMS#{status}``.
"""

from __future__ import annotations

from album_registry.domain.models import WorkflowType

EXECUTION_SK = "EXECUTION"
TASK_SK = "TASK"
ALBUM_SK_PREFIX = "ALBUM#"

GSI1_NAME = "GSI1"
# Attribute names of the table and its one index, for the infrastructure code.
PARTITION_KEY = "pk"
SORT_KEY = "sk"
GSI1_PARTITION_KEY = "GSI1PK"
GSI1_SORT_KEY = "GSI1SK"


def execution_pk(workflow: WorkflowType, execution_id: str) -> str:
    return f"{workflow.prefix}EXEC#{execution_id}"


def album_sk(album_index: int) -> str:
    return f"{ALBUM_SK_PREFIX}{album_index}"


def task_pk(workflow: WorkflowType, task_id: str) -> str:
    return f"{workflow.prefix}TASK#{task_id}"


def executions_gsi1pk(workflow: WorkflowType) -> str:
    return f"{workflow.prefix}EXECUTIONS"


def execution_gsi1sk(started_at: str, execution_id: str) -> str:
    return f"{started_at}#{execution_id}"


def albums_gsi1pk(workflow: WorkflowType, status: str) -> str:
    return f"{workflow.prefix}ALBUMS#{status}"


def album_gsi1sk(execution_id: str, album_index: int) -> str:
    return f"{execution_id}#{album_index}"


def tasks_gsi1pk(workflow: WorkflowType, status: str) -> str:
    return f"{workflow.prefix}TASKS#{status}"


def task_gsi1sk(created_at: str, task_id: str) -> str:
    return f"{created_at}#{task_id}"
