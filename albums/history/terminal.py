"""An upload's two timelines as text for ``albums history``: one engine after the other, each labelled."""

from __future__ import annotations

from album_registry.domain.models import WorkflowType
from albums.history.reader import EngineHistory, UploadHistory
from albums.history.timeline import INVOCATION, EngineTimeline, TimelineEntry

ENGINE_TITLES = {WorkflowType.STEP_FUNCTIONS: "Step Functions", WorkflowType.DURABLE_FUNCTIONS: "durable functions"}
_NAME_WIDTH = 34


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def engine_summary(timeline: EngineTimeline) -> str:
    """What the engine bills and how it ran: transitions, or operations with invocations and replays."""
    if timeline.workflow is WorkflowType.STEP_FUNCTIONS:
        billed = f"{_plural(timeline.state_transitions or 0, 'transition')}"
    else:
        billed = (
            f"{_plural(timeline.durable_operations or 0, 'operation')}, "
            f"{_plural(timeline.invocations or 0, 'invocation')} ({_plural(timeline.replays or 0, 'replay')})"
        )
    return (
        f"{billed}, {_plural(timeline.retries, 'retry', 'retries')}, "
        f"{_plural(timeline.waits, 'wait')} open, {_plural(timeline.history_events, 'event')}"
    )


def _entry_line(entry: TimelineEntry) -> str:
    took = "" if entry.end is None else f"{entry.end - entry.start:7.3f} s"
    name = ("  " * entry.depth + entry.name)[:_NAME_WIDTH]
    attempts = ""
    if entry.kind != INVOCATION and entry.attempts > 1:
        attempts = f"  {_plural(entry.attempts, 'attempt')} ({_plural(entry.retries, 'retry', 'retries')})"
    detail = f"  {entry.detail}" if entry.detail else ""
    return f"  +{entry.start:8.3f} s {took:>9}  {entry.kind[:16]:<16} {name:<{_NAME_WIDTH}} {entry.status.value}{attempts}{detail}"


def render_engine(engine: EngineHistory) -> list[str]:
    title = ENGINE_TITLES[engine.workflow]
    record = engine.record_status.value if engine.record_status is not None else "no record yet"
    timeline = engine.timeline
    if timeline is None:
        return [f"== {title} · {engine.execution_id} · {record}", "  (the engine's run is not recorded yet)"]
    lines = [
        f"== {title} · {engine.execution_id} · {record} · engine {timeline.status} · {timeline.elapsed_seconds:.3f} s",
        f"  {engine_summary(timeline)}",
        f"  {timeline.engine_arn}",
    ]
    lines += [_entry_line(entry) for entry in timeline.entries]
    return lines


def render_history(history: UploadHistory, *, title: str) -> str:
    """Both engines, one after the other, each under its own heading."""
    lines = [f"{title} (read {history.read_at:%H:%M:%S}Z)"]
    for engine in history.engines:
        lines += ["", *render_engine(engine)]
    return "\n".join(lines) + "\n"
