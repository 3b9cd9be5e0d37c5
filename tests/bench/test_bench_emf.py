"""EMF lines printed by the handlers are read back, whole, from many threads."""

from __future__ import annotations

import io
import threading
from contextlib import redirect_stdout

from album_registry.domain.models import WorkflowType
from album_registry.handlers.steps import Shell, step_metrics
from albums.bench.emf import EmfCapture, emf_documents


def test_capture_keeps_emf_lines_and_passes_other_output_on():
    passed = io.StringIO()

    @Shell(WorkflowType.DURABLE_FUNCTIONS).step("process-image")
    def step(execution_id: str) -> str:
        return execution_id

    def work(number: int) -> None:
        for _ in range(20):
            step(f"ldf-{number}")
            print(f"plain line {number}")

    with EmfCapture(target=passed) as capture:
        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        metrics = step_metrics(WorkflowType.STEP_FUNCTIONS)
        metrics.add_metric(name="ExecutionsFailed", unit="Count", value=1)
        metrics.flush_metrics()
    durations = capture.samples("VinylAlbums/DurableFunctions")
    assert len(durations) == 80
    assert {sample.execution_id for sample in durations} == {f"ldf-{n}" for n in range(4)}
    assert all(s.name == "StepDuration" and s.dimensions["step"] == "process-image" and s.value >= 0 for s in durations)
    failed = capture.samples("VinylAlbums/StepFunctions")
    assert [(s.name, s.value) for s in failed] == [("ExecutionsFailed", 1.0)]
    assert sorted(passed.getvalue().splitlines()) == sorted(f"plain line {n}" for n in range(4) for _ in range(20))


def _flushed_document(workflow: WorkflowType, step: str) -> str:
    """One EMF document as a handler's metrics flush prints it."""
    printed = io.StringIO()
    with redirect_stdout(printed):
        metrics = step_metrics(workflow)
        metrics.add_dimension(name="step", value=step)
        metrics.add_metric(name="StepDuration", unit="Milliseconds", value=12.5)
        metrics.flush_metrics()
    return printed.getvalue().strip()


def test_documents_two_writers_left_on_one_line_of_a_shared_log_are_both_read():
    """A document and its newline are two writes: workers flushing at once leave ``{A}{B}``, then an empty line."""
    first = _flushed_document(WorkflowType.STEP_FUNCTIONS, "estimate-price")
    second = _flushed_document(WorkflowType.DURABLE_FUNCTIONS, "estimate-price")
    log = f"{first}{second}\n\nplain output\n{first}\n"
    documents = [document for line in log.splitlines(keepends=True) for document in emf_documents(line)]
    assert [document["_aws"]["CloudWatchMetrics"][0]["Namespace"] for document in documents] == [
        "VinylAlbums/StepFunctions",
        "VinylAlbums/DurableFunctions",
        "VinylAlbums/StepFunctions",
    ]
    # A JSON line that is no metrics document, or a torn one, gives none.
    assert emf_documents('{"_aws": {"Timestamp": 1}}') == [] and emf_documents(first[:-5]) == []
