"""The engines' run status-change events, as AWS publishes them to EventBridge.

On AWS, Step Functions sends "Step Functions Execution Status Change" (source
``aws.states``) and Lambda "Durable Execution Status Change" (source
``aws.lambda``) to the default event bus when a run ends; the run-endings rules
(``components/run_endings.py``) act on them. moto's Step Functions and the
durable runner publish nothing, so this watcher follows the runs of the given
state machines and durable functions through their APIs and, when one reaches
an end without success, publishes the event AWS would (to the local trigger,
which matches it against the stack's rules). Each run's end is published once;
runs that had ended before the watcher started (a restarted stack's) are not
published again.

Only the ends the program's rules act on are followed (failed, timed out,
aborted or stopped), each asked for by status: the engines filter by status
themselves, so a look costs the same after a thousand successful runs as
after one. Listing every run each time made each look, and the memory it
churned, grow with every workflow the stack had run.

Likewise only the program's state machines and durable functions that the
rules name are followed (``followed_state_machines``,
``followed_durable_functions``): an event no rule matches reaches nothing. A
look at all of them, once a second, was 16 requests to the stack, 12 of them
passed on to the durable runner: 43 % of the requests an idle stack served
between two uploads one at a time, and 3 % of its CPU under ``albums bench
--concurrency 20``, by py-spy.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from album_registry.handlers.run_endings import (
    DURABLE_FAILED_STATUSES,
    DURABLE_SOURCE,
    DURABLE_STATUS_CHANGE,
    STEP_FUNCTIONS_FAILED_STATUSES,
    STEP_FUNCTIONS_SOURCE,
    STEP_FUNCTIONS_STATUS_CHANGE,
)

from local_aws.lambda_runtime import ACCOUNT_ID, REGION

logger = logging.getLogger(__name__)
DEFAULT_INTERVAL_SECONDS = 0.5


def followed_state_machines(patterns: Iterable[Mapping[str, Any]], state_machines: Iterable[str]) -> list[str]:
    """Those of ``state_machines`` (ARNs) whose runs' ends a rule with one of these event patterns can match."""
    named = _named(patterns, STEP_FUNCTIONS_STATUS_CHANGE, "stateMachineArn")
    return [arn for arn in state_machines if _may_match(named, arn)]


def followed_durable_functions(patterns: Iterable[Mapping[str, Any]], durable_functions: Iterable[str]) -> list[str]:
    """Those of ``durable_functions`` (names) whose runs' ends a rule with one of these event patterns can match."""
    named = _named(patterns, DURABLE_STATUS_CHANGE, "functionArn")
    # A durable run's event carries the ARN of the version that ran: "<function ARN>:<version>".
    return [
        name
        for name in durable_functions
        if _may_match(named, f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}:")
    ]


def _named(patterns: Iterable[Mapping[str, Any]], detail_type: str, field: str) -> list[str] | None:
    """The values, exact or prefixes, that rules matching ``detail_type`` require of
    ``detail.field``; None if one of them matches any value."""
    named: list[str] = []
    for pattern in patterns:
        if detail_type not in pattern.get("detail-type", [detail_type]):
            continue
        required = pattern.get("detail", {}).get(field)
        if required is None:
            return None
        for value in required:
            if isinstance(value, dict) and "prefix" not in value:
                return None  # a matcher other than a prefix: anything-but, wildcard...
            named.append(value["prefix"] if isinstance(value, dict) else str(value))
    return named


def _may_match(named: list[str] | None, arn_or_prefix: str) -> bool:
    return named is None or any(value.startswith(arn_or_prefix) or arn_or_prefix.startswith(value) for value in named)


def _envelope(source: str, detail_type: str, resources: list[str], detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT_ID,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": resources,
        "detail": detail,
    }


def _epoch_ms(moment: datetime | None) -> int | None:
    return int(moment.timestamp() * 1000) if moment else None


def step_functions_status_event(described: dict[str, Any]) -> dict[str, Any]:
    """The event for a state machine execution, from its DescribeExecution."""
    return _envelope(
        STEP_FUNCTIONS_SOURCE,
        STEP_FUNCTIONS_STATUS_CHANGE,
        [described["executionArn"]],
        {
            "executionArn": described["executionArn"],
            "stateMachineArn": described["stateMachineArn"],
            "name": described["name"],
            "status": described["status"],
            "startDate": _epoch_ms(described.get("startDate")),
            "stopDate": _epoch_ms(described.get("stopDate")),
            "input": described.get("input"),
            "output": described.get("output"),
            "error": described.get("error"),
            "cause": described.get("cause"),
        },
    )


def durable_status_event(listed: dict[str, Any]) -> dict[str, Any]:
    """The event for a durable execution, from its ListDurableExecutionsByFunction
    entry, whose ``FunctionArn`` is the qualified ARN of the version that ran."""
    arn = listed["DurableExecutionArn"]
    return _envelope(
        DURABLE_SOURCE,
        DURABLE_STATUS_CHANGE,
        [],
        {
            "durableExecutionArn": arn,
            "durableExecutionName": listed.get("DurableExecutionName"),
            "functionArn": listed["FunctionArn"],
            "status": listed["Status"],
            "startTimestamp": _iso(listed.get("StartTimestamp")),
            "endTimestamp": _iso(listed.get("EndTimestamp")),
        },
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z" if moment else None


class RunStatusEvents:
    def __init__(
        self,
        *,
        step_functions: Any,
        lambda_client: Any,
        state_machines: list[str],
        durable_functions: list[str],
        publish: Callable[[dict[str, Any]], object],
        interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
    ) -> None:
        self._step_functions = step_functions
        self._lambda = lambda_client
        self._state_machines = state_machines
        self._durable_functions = durable_functions
        self._publish = publish
        self._interval = interval_seconds
        self._published: set[str] = set()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> RunStatusEvents:
        # Runs that ended before this watcher existed were a previous watcher's to report.
        self._published |= {arn for arn, _ in self._ended_runs()}
        self._thread = threading.Thread(target=self._watch, name="run-status-events", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def publish_ended_runs(self) -> int:
        """Publish the end of every run that ended since the last look; returns how many."""
        published = 0
        for arn, event in self._ended_runs():
            if arn in self._published:
                continue
            self._published.add(arn)
            self._publish(event())
            published += 1
        return published

    def _watch(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self.publish_ended_runs()
            except Exception:  # the next look tries again, as EventBridge delivery would
                logger.exception("could not read the engines' runs")

    def _ended_runs(self) -> Iterator[tuple[str, Callable[[], dict[str, Any]]]]:
        """Each ended run's ARN, and how to build its event (read only when published)."""
        listing = self._step_functions.get_paginator("list_executions")
        for state_machine in self._state_machines:
            for status in STEP_FUNCTIONS_FAILED_STATUSES:
                pages = listing.paginate(stateMachineArn=state_machine, statusFilter=status)
                for execution in (item for page in pages for item in page["executions"]):
                    arn = execution["executionArn"]
                    yield arn, lambda arn=arn: step_functions_status_event(
                        self._step_functions.describe_execution(executionArn=arn)
                    )
        durable_listing = self._lambda.get_paginator("list_durable_executions_by_function")
        for function in self._durable_functions:
            for status in DURABLE_FAILED_STATUSES:
                pages = durable_listing.paginate(FunctionName=function, Statuses=[status])
                for execution in (item for page in pages for item in page.get("DurableExecutions", [])):
                    yield execution["DurableExecutionArn"], lambda execution=execution: durable_status_event(execution)
