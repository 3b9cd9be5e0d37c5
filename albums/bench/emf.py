"""Reading the handlers' CloudWatch EMF lines back, on this machine.

The handlers print one JSON document per metrics flush to stdout, exactly as
in Lambda, where CloudWatch turns them into metrics. ``EmfCapture`` stands in
for that: it tees ``sys.stdout``, keeps every line that carries
``_aws.CloudWatchMetrics``, and passes everything else through.
"""

from __future__ import annotations

import io
import json
import sys
import threading
from typing import Any, TextIO

from pydantic import BaseModel, ConfigDict

from album_registry.handlers.observability import EXECUTION_ID_METADATA


class MetricSample(BaseModel):
    model_config = ConfigDict(frozen=True)

    namespace: str
    name: str
    unit: str
    value: float
    dimensions: dict[str, str]
    timestamp_ms: int
    # The execution the sample belongs to, when the handler said so (metadata).
    execution_id: str | None = None


def samples_from_emf(document: dict[str, Any]) -> list[MetricSample]:
    """Every value of every metric an EMF document declares."""
    samples = []
    for directive in document["_aws"]["CloudWatchMetrics"]:
        dimension_names = {name for group in directive.get("Dimensions", []) for name in group}
        dimensions = {name: str(document[name]) for name in sorted(dimension_names) if name in document}
        for metric in directive["Metrics"]:
            values = document.get(metric["Name"], [])
            for value in values if isinstance(values, list) else [values]:
                samples.append(
                    MetricSample(
                        namespace=directive["Namespace"],
                        name=metric["Name"],
                        unit=metric.get("Unit", "None"),
                        value=float(value),
                        dimensions=dimensions,
                        timestamp_ms=int(document["_aws"]["Timestamp"]),
                        execution_id=document.get(EXECUTION_ID_METADATA),
                    )
                )
    return samples


def emf_document(line: str) -> dict[str, Any] | None:
    if '"_aws"' not in line:
        return None
    try:
        document = json.loads(line)
    except json.JSONDecodeError:
        return None
    return document if _is_emf(document) else None


def _is_emf(document: object) -> bool:
    return isinstance(document, dict) and "CloudWatchMetrics" in document.get("_aws", {})


_DECODER = json.JSONDecoder()


def emf_documents(line: str) -> list[dict[str, Any]]:
    """Every EMF document on a line of a log file that several writers share.

    ``print`` writes a document and its newline in two writes: two threads of
    one worker, or two workers of one function, flushing at once leave
    ``{A}{B}`` on one line (and an empty one after it). Each document is one
    write, so the line is the documents back to back.
    """
    if '"_aws"' not in line:
        return []
    documents = []
    text, at = line.strip(), 0
    while at < len(text):
        try:
            document, at = _DECODER.raw_decode(text, at)
        except json.JSONDecodeError:
            break
        if _is_emf(document):
            documents.append(document)
    return documents


class EmfCapture(io.TextIOBase):
    """A stdout tee that keeps EMF documents; other output goes on to ``target``.

    ``print`` writes a line and its newline in two calls, and the handlers run
    in many threads, so each thread assembles its own lines.
    """

    def __init__(self, target: TextIO | None = None) -> None:
        super().__init__()
        self._target = target
        self._local = threading.local()
        self._lock = threading.Lock()
        self.documents: list[dict[str, Any]] = []
        self._replaced: TextIO | None = None

    def __enter__(self) -> EmfCapture:
        self._replaced = sys.stdout
        if self._target is None:
            self._target = sys.stdout
        sys.stdout = self  # type: ignore[assignment]
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._replaced is not None:
            sys.stdout = self._replaced

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        pending = getattr(self._local, "pending", "") + text
        *lines, self._local.pending = pending.split("\n")
        for line in lines:
            document = emf_document(line)
            if document is not None:
                with self._lock:
                    self.documents.append(document)
            elif self._target is not None:
                self._target.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        if self._target is not None:
            self._target.flush()

    def samples(self, namespace: str | None = None, since: int = 0) -> list[MetricSample]:
        with self._lock:
            documents = list(self.documents[since:])
        return [
            sample
            for document in documents
            for sample in samples_from_emf(document)
            if namespace is None or sample.namespace == namespace
        ]
