"""Saves and restores the state of moto's backends under the data dir.

DynamoDB items, S3 objects, EventBridge rules and secrets (the Discogs token
set with ``albums secret set-discogs-token``, in clear under the data dir) are
pickled (moto's backends support it) at start, on clean shutdown and
periodically (``server.SAVE_INTERVAL_SECONDS``), each snapshot in its own
``moto/snapshot-<generation>`` directory. Between two
snapshots, the request journal (``journal``) keeps every acknowledged
mutating request; at start, the last complete snapshot is loaded and the
journal replayed over it, so a ``kill -9`` loses no acknowledged write.
Step Functions executions in flight run in interpreter threads and cannot be
saved: they are lost on restart, and the stack says so when it starts.
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import threading
from pathlib import Path

from moto.backends import get_backend

from local_aws.journal import RequestJournal, sync_directory

# SQS queues hold a lock and cannot be pickled: dead-lettered events do not
# survive a restart (the queues themselves are provisioned again).
PERSISTED_SERVICES = ("dynamodb", "s3", "events", "secretsmanager")
_SNAPSHOT_DIRECTORY = re.compile(r"^snapshot-(?P<generation>\d+)$")


class BackendSnapshots:
    def __init__(self, data_dir: Path) -> None:
        self._directory = data_dir / "moto"
        self._lock = threading.Lock()
        self.journal = RequestJournal(self._directory, services=PERSISTED_SERVICES)

    def save(self) -> None:
        """Capture every backend with mutating requests held, and start the next journal at that point.

        The snapshot is written after the hold; until it is complete, the
        previous snapshot and every journal since stay, so a crash at any
        point replays each record exactly once.
        """
        with self._lock:
            with self.journal.held():
                captured = {service: pickle.dumps(dict(get_backend(service))) for service in PERSISTED_SERVICES}
                generation = self.journal.generation + 1
                self.journal.rotate(generation)
            partial = self._directory / f"snapshot-{generation:08d}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            for service, snapshot in captured.items():
                with (partial / f"{service}.pickle").open("wb") as target:
                    target.write(snapshot)
                    os.fsync(target.fileno())
            sync_directory(partial)
            os.rename(partial, self._snapshot_path(generation))  # never a half-written snapshot
            sync_directory(self._directory)
            self._remove_before(generation)

    def restore(self) -> list[str]:
        """Load the last complete snapshot, replay the journals since; returns what was restored."""
        generation, source = self._latest_snapshot()
        restored: list[str] = []
        for service in PERSISTED_SERVICES:
            snapshot = source / f"{service}.pickle"
            if snapshot.exists():
                get_backend(service).update(pickle.loads(snapshot.read_bytes()))
                restored.append(service)
        replayed = self.journal.replay(from_generation=generation)
        if replayed:
            restored.append(f"{replayed} journalled requests")
        return restored

    def _latest_snapshot(self) -> tuple[int, Path]:
        """The newest complete snapshot; a data dir saved before the journal holds its pickles in ``moto/``."""
        complete = [
            int(match["generation"])
            for path in self._directory.glob("snapshot-*")
            if (match := _SNAPSHOT_DIRECTORY.match(path.name))
        ]
        if not complete:
            return 0, self._directory
        return max(complete), self._snapshot_path(max(complete))

    def _remove_before(self, generation: int) -> None:
        self.journal.remove_before(generation)
        for path in self._directory.glob("snapshot-*"):
            match = _SNAPSHOT_DIRECTORY.match(path.name)
            if path.name.endswith(".partial") or (match and int(match["generation"]) < generation):
                shutil.rmtree(path, ignore_errors=True)
        for service in PERSISTED_SERVICES:
            (self._directory / f"{service}.pickle").unlink(missing_ok=True)

    def _snapshot_path(self, generation: int) -> Path:
        return self._directory / f"snapshot-{generation:08d}"


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
