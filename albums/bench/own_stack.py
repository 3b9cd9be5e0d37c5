"""The bench's own local stack: ``albums local up`` in the bench's process, for one run.

A free loopback port and a temporary data dir, so a bench disturbs no stack a
user runs and starts from zero: the stack's counters (cold starts, usage)
then hold exactly what the run made. The workload is the one a running or
deployed stack gets (``albums.bench.stack_workload``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from album_registry.domain.models import WorkflowType
from albums.bench.stack_workload import run_stack_bench, source_for
from albums.bench.workload import TIMEOUT_MODE_VALIDATION_SECONDS, BenchRun, BenchSettings, StackKind, ValidationMode
from albums.commands.local_commands import local_stack_config
from albums.stack_access import LOCAL_STACK, StackAccess
from albums.stack_outputs import StackOutputs


@contextmanager
def own_local_stack(*, config: dict[str, object] | None = None, **options: Any) -> Iterator[StackAccess]:
    """A local stack started in this process, stopped (and its data dir removed) on leaving.

    ``config`` is the Pulumi config it is provisioned with; ``options`` go to
    ``LocalStack`` (e.g. ``function_concurrency``). It raises
    ``LocalStackStartError`` when the stack cannot start.
    """
    from local_aws.durable_service import free_loopback_port
    from local_aws.server import LocalStack
    from local_aws.stack_info import FUNCTION_LOG_DIR

    with tempfile.TemporaryDirectory(prefix="albums-bench-") as data_dir:
        stack = LocalStack(port=free_loopback_port(), data_dir=Path(data_dir), config=config, **options).start()
        try:
            assert stack.deployment is not None
            yield StackAccess(
                name=LOCAL_STACK,
                outputs=StackOutputs.model_validate(stack.deployment.outputs),
                endpoint_url=stack.endpoint,
                log_dir=Path(data_dir) / FUNCTION_LOG_DIR,
            )
        finally:
            stack.stop()


def run_own_stack_bench(
    settings: BenchSettings,
    *,
    progress: Callable[[WorkflowType, int], Callable[[], None]],
    deadline_seconds: float,
) -> BenchRun:
    """The stack workload on a local stack of the bench's own.

    Under ``--validation timeout`` nobody answers: the stack's validation
    timeout is then ``TIMEOUT_MODE_VALIDATION_SECONDS``. Each function may
    run as many workers as the bench has workflows in flight: Lambda's
    account concurrency (1,000 by default) would not hold a bench's
    invocations back, so neither does this stack, and the report compares
    the engines rather than a worker queue.
    """
    from local_aws.server import DEFAULT_FUNCTION_CONCURRENCY

    timeout_mode = settings.validation.mode is ValidationMode.TIMEOUT
    config = local_stack_config(TIMEOUT_MODE_VALIDATION_SECONDS if timeout_mode else None)
    workers = max(DEFAULT_FUNCTION_CONCURRENCY, settings.concurrency)
    with own_local_stack(config=config, function_concurrency=workers) as access:
        return run_stack_bench(
            access,
            settings,
            progress=progress,
            deadline_seconds=deadline_seconds,
            source=source_for(access),
            stack_kind=StackKind.OWN_LOCAL_STACK,
        )
