"""Saves and restores the state of moto's backends under the data dir.

DynamoDB items, S3 objects, EventBridge rules and secrets (the Discogs token
set with ``albums secret set-discogs-token``, in clear under the data dir) are
pickled (moto's backends support it) on clean shutdown and every few seconds.
Step Functions executions in flight run in interpreter threads and cannot be
saved: they are lost on restart, and the stack says so when it starts.
"""

from __future__ import annotations

import os
import pickle
import threading
from pathlib import Path

from moto.backends import get_backend

# SQS queues hold a lock and cannot be pickled: dead-lettered events do not
# survive a restart (the queues themselves are provisioned again).
PERSISTED_SERVICES = ("dynamodb", "s3", "events", "secretsmanager")


class BackendSnapshots:
    def __init__(self, data_dir: Path) -> None:
        self._directory = data_dir / "moto"
        self._lock = threading.Lock()

    def save(self) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        with self._lock:
            for service in PERSISTED_SERVICES:
                snapshot = pickle.dumps(dict(get_backend(service)))
                target = self._directory / f"{service}.pickle"
                partial = target.with_suffix(".partial")
                partial.write_bytes(snapshot)
                os.replace(partial, target)  # never a half-written snapshot

    def restore(self) -> list[str]:
        restored = []
        for service in PERSISTED_SERVICES:
            source = self._directory / f"{service}.pickle"
            if source.exists():
                backend = get_backend(service)
                backend.update(pickle.loads(source.read_bytes()))
                restored.append(service)
        return restored


class PeriodicSaver:
    def __init__(self, snapshots: BackendSnapshots, interval_seconds: float) -> None:
        self._snapshots = snapshots
        self._interval = interval_seconds
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            self._snapshots.save()
