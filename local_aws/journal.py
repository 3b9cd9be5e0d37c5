"""The journal of acknowledged mutating requests to moto's persisted backends.

Snapshots (``persistence``) are taken now and then; between two of them, every
mutating request a persisted service answered 2xx is appended here and made
durable (fsync) before its answer leaves, in the order the backend applied
it. At start, the last snapshot is loaded and the journal replayed over it,
straight into moto: a ``kill -9`` loses no acknowledged write.

Files, under the snapshots' directory: ``journal-<generation>.log``. A
snapshot of generation G holds every record of the journals before G; the
records after its capture go to ``journal-G.log``. A record is framed with its
length and CRC-32: a record torn by a kill during its append is detected at
replay and ignored (its request was never acknowledged).

The journal also holds the uploads' outbox: an S3 object write the gateway
passes on to the trigger (``OBJECT_CREATED``) is recorded with the delivery it
owes, and marked delivered once the trigger delivered it. Deliveries still
pending at a rotation are carried into the next generation; at start, the
stack delivers the pending ones again.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import struct
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from moto.backends import get_backend

from local_aws.dynamodb_transactions import install_item_rollback
from local_aws.gateway import OBJECT_CREATED, WsgiApp
from local_aws.lambda_runtime import ACCOUNT_ID
from local_aws.moto_dispatch import BackendRememberingDispatcher

logger = logging.getLogger(__name__)

# Each record: payload length and CRC-32, then the payload (header length, JSON header, body).
_FRAME = struct.Struct(">II")
_HEADER_LENGTH = struct.Struct(">I")
_JOURNAL_FILE = re.compile(r"^journal-(?P<generation>\d+)\.log$")
# The service a request is signed for: SigV4's credential scope.
_SIGNED_SERVICE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/(?P<service>[^/]+)/aws4_request")
# Operations (X-Amz-Target) that change nothing a snapshot keeps: reads, and
# EventBridge's PutEvents (events are delivered, not stored).
_READ_PREFIXES = ("Get", "BatchGet", "TransactGet", "Query", "Scan", "Describe", "List", "Test")
_NOT_STORED = frozenset({"PutEvents"})
_S3_WRITE_METHODS = frozenset({"PUT", "POST", "DELETE"})


@dataclass(frozen=True)
class ObjectCreated:
    """A delivery the trigger owes: S3 wrote this object."""

    bucket: str
    key: str
    version: str | None
    size: int


@dataclass(frozen=True)
class _Replayed:
    records: int
    last_record_id: int


class RequestJournal:
    """Append, fsync, replay, rotate: the one writer of ``journal-*.log``."""

    def __init__(self, directory: Path, *, services: Iterable[str], sync: bool = True) -> None:
        self._directory = directory
        # One lock per service: its requests are applied and appended in one order.
        self._service_locks = {service: threading.Lock() for service in services}
        self._sync = sync
        self._write_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._file: io.FileIO | None = None
        self._generation = 0
        self._written = 0
        self._synced = 0
        self._last_record_id = 0
        self._pending: dict[int, ObjectCreated] = {}

    # --- start: replay, then a fresh generation ----------------------------------------

    def _generations(self) -> list[int]:
        found = (_JOURNAL_FILE.match(path.name) for path in self._directory.glob("journal-*.log"))
        return sorted(int(match["generation"]) for match in found if match)

    def replay(self, from_generation: int) -> int:
        """Apply every complete record of the journals from ``from_generation`` on, in order; returns how many.

        Then appends go to a new generation, with the deliveries still pending.
        """
        install_item_rollback()  # moto as the gateway runs it
        moto = BackendRememberingDispatcher()
        records = 0
        for generation in self._generations():
            if generation >= from_generation:
                replayed = _replay_file(self._journal_path(generation), moto, self._pending)
                records += replayed.records
                self._last_record_id = max(self._last_record_id, replayed.last_record_id)
        self.rotate(max([from_generation, *self._generations()]) + 1)
        return records

    # --- the write path --------------------------------------------------------------

    def middleware(self, moto: WsgiApp) -> WsgiApp:
        """``moto`` answering as before, each acknowledged mutating request journalled before its answer leaves."""

        def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            service = journalled_service(environ)
            if service not in self._service_locks:
                return moto(environ, start_response)
            body = _read_body(environ)
            environ["wsgi.input"] = io.BytesIO(body)
            answer: dict[str, Any] = {}

            def recording_start_response(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
                answer["status"], answer["headers"] = status, headers
                return start_response(status, headers, *args)

            with self._service_locks[service]:
                answered = b"".join(moto(environ, recording_start_response))
                if not answer.get("status", "").startswith("2"):
                    return [answered]
                ticket = self._append_request(environ, body, _version_id(answer["headers"]))
            self._make_durable(ticket)
            return [answered]

        return serve

    def delivered(self, delivery: ObjectCreated) -> None:
        """The object write's workflows are under way: no longer owed.

        Once the journal is closed (the stack stopping), it stays owed, and the next start delivers it again.
        """
        with self._write_lock:
            record_id = next((key for key, owed in self._pending.items() if owed == delivery), None)
            if record_id is None or self._file is None:
                return
            del self._pending[record_id]
            ticket = self._write({"kind": "delivered", "id": record_id}, b"")
        self._make_durable(ticket)

    def pending_deliveries(self) -> list[ObjectCreated]:
        with self._write_lock:
            return list(self._pending.values())

    # --- snapshots ---------------------------------------------------------------------

    @contextmanager
    def held(self) -> Iterator[None]:
        """No mutating request is applied or journalled inside (a snapshot's capture)."""
        with ExitStack() as holding:
            for lock in self._service_locks.values():
                holding.enter_context(lock)
            yield

    def rotate(self, generation: int) -> None:
        """Append from now on to ``journal-<generation>.log``, which starts with the deliveries still owed."""
        with self._write_lock, self._sync_lock:
            if self._file is not None:
                self._flush(self._file)
                self._file.close()
            self._directory.mkdir(parents=True, exist_ok=True)
            self._file = io.FileIO(self._journal_path(generation), "ab")
            self._generation = generation
            for record_id, owed in self._pending.items():
                self._write({"kind": "pending", "id": record_id, "delivery": asdict(owed)}, b"")
            self._flush(self._file)
            self._synced = self._written
        sync_directory(self._directory)

    @property
    def generation(self) -> int:
        return self._generation

    def remove_before(self, generation: int) -> None:
        """The journals a complete snapshot of ``generation`` holds."""
        for older in self._generations():
            if older < generation:
                self._journal_path(older).unlink(missing_ok=True)

    def close(self) -> None:
        with self._write_lock, self._sync_lock:
            if self._file is not None:
                self._flush(self._file)
                self._file.close()
                self._file = None

    # --- appending -----------------------------------------------------------------------

    def _append_request(self, environ: dict[str, Any], body: bytes, version: str | None) -> int:
        with self._write_lock:
            self._last_record_id += 1
            header: dict[str, Any] = {
                "kind": "request",
                "id": self._last_record_id,
                "environ": {name: value for name, value in environ.items() if isinstance(value, str)},
                "version": version,
            }
            if environ.get(OBJECT_CREATED):
                owed = _object_created(environ, version)
                self._pending[self._last_record_id] = owed
                header["delivery"] = asdict(owed)
            return self._write(header, body)

    def _write(self, header: dict[str, Any], body: bytes) -> int:
        """One record at the journal's end (the caller holds the write lock); returns its ticket."""
        if self._file is None:
            raise JournalClosedError(directory=self._directory)
        encoded = json.dumps(header).encode()
        payload = _HEADER_LENGTH.pack(len(encoded)) + encoded + body
        frame = memoryview(_FRAME.pack(len(payload), zlib.crc32(payload)) + payload)
        while frame:
            frame = frame[self._file.write(frame) :]
        self._written += 1
        return self._written

    def _make_durable(self, ticket: int) -> None:
        """Group commit: one fsync makes every record written before it durable."""
        with self._sync_lock:
            if self._synced >= ticket or self._file is None:
                return
            covered = self._written
            self._flush(self._file)
            self._synced = covered

    def _flush(self, file: io.FileIO) -> None:
        if self._sync:
            os.fsync(file.fileno())

    def _journal_path(self, generation: int) -> Path:
        return self._directory / f"journal-{generation:08d}.log"


def journalled_service(environ: dict[str, Any]) -> str | None:
    """The service a request changes, or None for a read (or a request no SDK signed)."""
    signed = _SIGNED_SERVICE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if signed is None:
        return None
    service = signed["service"]
    if service == "s3":
        return service if environ["REQUEST_METHOD"] in _S3_WRITE_METHODS else None
    operation = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
    if not operation or operation.startswith(_READ_PREFIXES) or operation in _NOT_STORED:
        return None
    return service


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        return stream.read(int(length))
    # Chunked transfer: the server ends the stream with the body.
    return stream.read() if environ.get("wsgi.input_terminated") else b""


def _version_id(headers: list[tuple[str, str]]) -> str | None:
    return next((value for name, value in headers if name.lower() == "x-amz-version-id"), None)


def _bucket_and_key(environ: dict[str, Any]) -> tuple[str, str]:
    """Path-style, as the gateway serves S3."""
    raw = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"]).split("?", 1)[0]
    bucket, _, key = unquote(raw).lstrip("/").partition("/")
    return bucket, key


def _object_created(environ: dict[str, Any], version: str | None) -> ObjectCreated:
    """What the gateway tells the trigger of this write (its ``_s3_write``)."""
    bucket, key = _bucket_and_key(environ)
    return ObjectCreated(bucket=bucket, key=key, version=version, size=int(environ.get("CONTENT_LENGTH") or 0))


# --- replay ----------------------------------------------------------------------------


def _records(path: Path) -> Iterator[tuple[dict[str, Any], bytes]]:
    """The complete records of one journal; stops at a torn or corrupt one (a kill during its append)."""
    data = path.read_bytes()
    offset = 0
    while offset + _FRAME.size <= len(data):
        length, checksum = _FRAME.unpack_from(data, offset)
        payload = data[offset + _FRAME.size : offset + _FRAME.size + length]
        if len(payload) < length or zlib.crc32(payload) != checksum:
            logger.warning("%s: ignoring a torn record at byte %d (never acknowledged)", path.name, offset)
            return
        (header_length,) = _HEADER_LENGTH.unpack_from(payload)
        header_end = _HEADER_LENGTH.size + header_length
        yield json.loads(payload[_HEADER_LENGTH.size : header_end]), payload[header_end:]
        offset += _FRAME.size + length
    if offset < len(data):
        logger.warning("%s: ignoring a torn record at byte %d (never acknowledged)", path.name, offset)


def _replay_file(path: Path, moto: WsgiApp, pending: dict[int, ObjectCreated]) -> _Replayed:
    """Apply one journal's requests; ``pending`` gains the deliveries it owes and loses those it marks done."""
    records = 0
    last_record_id = 0
    for header, body in _records(path):
        last_record_id = max(last_record_id, header["id"])
        if header["kind"] == "delivered":
            pending.pop(header["id"], None)
            continue
        if "delivery" in header:
            pending[header["id"]] = ObjectCreated(**header["delivery"])
        if header["kind"] == "request":
            _apply(moto, header["environ"], body, header["version"])
            records += 1
    return _Replayed(records=records, last_record_id=last_record_id)


def _apply(moto: WsgiApp, saved_environ: dict[str, str], body: bytes, version: str | None) -> None:
    environ: dict[str, Any] = {
        **saved_environ,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    answer: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]], *args: Any) -> None:
        answer["status"] = status

    b"".join(moto(environ, start_response))
    if not answer.get("status", "").startswith("2"):
        logger.warning(
            "replaying %s %s answered %s", saved_environ.get("REQUEST_METHOD"), saved_environ.get("PATH_INFO"), answer
        )
        return
    if version is not None and version != "null":
        _keep_version_id(saved_environ, version)


def _keep_version_id(saved_environ: dict[str, str], version: str) -> None:
    """The replayed write's newest version gets the id the original answer gave (moto draws a new one).

    Records and workflows name an upload by its version id.
    """
    bucket_name, key = _bucket_and_key(saved_environ)
    bucket = get_backend("s3")[ACCOUNT_ID]["global"].buckets.get(bucket_name)
    versions = bucket.keys.getlist(key, []) if bucket is not None else []
    if versions:
        versions[-1]._version_id = version  # noqa: SLF001 (moto has no setter; ids are random)


def sync_directory(directory: Path) -> None:
    """A file created or renamed in ``directory`` survives a power cut only once the directory is synced."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class JournalClosedError(Exception):
    def __init__(self, *, directory: Path) -> None:
        super().__init__(f"the request journal under {directory} is closed")
        self.directory = directory
