"""Lambda execution environments on this machine: ``awslambdaric`` worker processes.

Each worker is what an execution environment is on AWS: one process running
the runtime interface client AWS's own images use (``python -m awslambdaric
HANDLER``), with the function's code archive and layers on ``sys.path`` and
nothing of the development venv (the interpreter runs with ``-S``), polling
the Lambda Runtime API this module serves for it (``/2018-06-01/runtime/...``:
next, response, error, init error) on its own loopback port.

Per function, ``FunctionPool`` keeps workers warm and reuses them, starts a new
one (a cold start, counted) when every worker is busy and the function is
below its concurrency, holds further invokes until a worker frees, and reaps
workers idle for longer than ``idle_seconds``. A handler that raises returns
its error as Lambda does (``X-Amz-Function-Error: Unhandled`` and the runtime's
error document); one that fails to import (``Runtime.ImportModuleError``),
exits (``Runtime.ExitError``) or runs past its timeout (``Sandbox.Timedout``)
returns that error and its worker is replaced.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from local_aws.lambda_runtime import (
    LATEST_VERSION,
    REGION,
    FunctionVersions,
    InvocationResult,
    UnknownFunctionError,
)
from local_aws.usage import StackUsage, session_token_for

RUNTIME_API = "/2018-06-01/runtime"
UNHANDLED = "Unhandled"
# How long a worker may take to start and import its handler before it is
# taken for dead; Lambda's own init phase is limited to 10 s, but a cold
# interpreter on a loaded 2-core machine may need longer.
INIT_GRACE_SECONDS = 60.0
DEFAULT_IDLE_SECONDS = 300.0
# Workers run below the stack's own priority. On AWS the engines, S3 and
# DynamoDB never share a CPU with the functions; here they share two cores,
# and a stack starved by twenty busy workers made every transition, checkpoint
# and PutObject wait behind them, which no engine does on AWS.
WORKER_NICENESS = 10


@dataclass(frozen=True)
class FunctionDefinition:
    """A function as the program declares it, with its artifacts on this machine."""

    name: str
    handler: str
    code: Path
    layers: tuple[Path, ...]
    environment: Mapping[str, str]
    timeout_seconds: int
    memory_mb: int
    version: str = LATEST_VERSION

    def python_path(self, runtime: Path) -> list[str]:
        """Lambda's order: the function's code, each layer's ``python/``, then the runtime."""
        return [str(self.code), *(str(layer / "python") for layer in self.layers), str(runtime)]


@dataclass(frozen=True)
class WorkerHost:
    """What every worker of the stack shares: the interpreter, the runtime
    interface client's own tree, the stack's endpoint, where logs go, and the
    secret of the functions' credentials."""

    interpreter: str
    runtime: Path
    endpoint: str
    log_dir: Path
    bytecode_dir: Path
    # Lambda gives a function its role's temporary credentials, which no caller chooses:
    # here a secret made up for the stack, never the caller's own. Nothing checks it, but
    # a function that logged or stored it would show it.
    secret_access_key: str = field(default_factory=lambda: secrets.token_urlsafe(30))


def _error_document(error_type: str, message: str) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type, "stackTrace": []}).encode()


@dataclass
class _Invocation:
    request_id: str
    payload: bytes
    timeout_seconds: int
    # The ARN the caller invoked: qualified with the alias or version it named.
    invoked_function_arn: str
    # Set when the worker's runtime takes the event: the handler's clock starts.
    delivered: threading.Event = field(default_factory=threading.Event)
    deadline_ms: int = 0
    done: threading.Event = field(default_factory=threading.Event)
    result: InvocationResult | None = None

    # The handler's own time, from the delivery to the answer (0 when never delivered).
    duration_ms: float = 0.0
    _delivered_at: float | None = None

    def deliver(self) -> None:
        self.deadline_ms = int((time.time() + self.timeout_seconds) * 1000)
        self._delivered_at = time.perf_counter()
        self.delivered.set()

    def complete(self, result: InvocationResult) -> None:
        if not self.done.is_set():
            self.result = result
            if self._delivered_at is not None:
                self.duration_ms = (time.perf_counter() - self._delivered_at) * 1000
            self.done.set()
        # An answer before delivery (an init error) ends the wait for delivery too.
        self.delivered.set()


class Worker:
    """One execution environment: an ``awslambdaric`` process and the Runtime API it polls."""

    def __init__(self, definition: FunctionDefinition, host: WorkerHost) -> None:
        self.definition = definition
        self._host = host
        self._inbox: queue.Queue[_Invocation] = queue.Queue(maxsize=1)
        self._current: _Invocation | None = None
        # What ended the worker before an invocation could see it: its init
        # error, or its exit code.
        self._init_error: bytes | None = None
        self._exit_code: int | None = None
        self._lock = threading.Lock()
        self.last_used = time.monotonic()
        self.busy = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _runtime_api_handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name=f"runtime-api-{definition.name}", daemon=True).start()
        self._process = self._spawn()
        with contextlib.suppress(ProcessLookupError):  # died at once: the exit watcher reports it
            os.setpriority(os.PRIO_PROCESS, self._process.pid, WORKER_NICENESS)
        threading.Thread(target=self._watch_exit, name=f"worker-exit-{definition.name}", daemon=True).start()

    @property
    def alive(self) -> bool:
        """Running and able to serve: a worker whose init failed is on its way out."""
        return self._init_error is None and self._process.poll() is None

    @property
    def pid(self) -> int:
        return self._process.pid

    def _spawn(self) -> subprocess.Popen[bytes]:
        definition, host = self.definition, self._host
        port = self._server.server_address[1]
        environment = {
            **definition.environment,
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
            "_HANDLER": definition.handler,
            "LAMBDA_TASK_ROOT": str(definition.code),
            "LAMBDA_RUNTIME_DIR": str(host.runtime),
            "AWS_LAMBDA_FUNCTION_NAME": definition.name,
            "AWS_LAMBDA_FUNCTION_VERSION": definition.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(definition.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{definition.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"local/{uuid.uuid4().hex}",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": host.endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": host.secret_access_key,
            # Lambda gives a function its role's session, named after the function: the
            # stack tells the function's calls from others' by it (local_aws.usage).
            "AWS_SESSION_TOKEN": session_token_for(definition.name),
            # No X-Ray daemon here: Powertools' tracer stays off.
            "POWERTOOLS_TRACE_DISABLED": "true",
            "PYTHONPATH": os.pathsep.join(definition.python_path(host.runtime)),
            "PYTHONNOUSERSITE": "1",
            "PYTHONUNBUFFERED": "1",
            # Bytecode goes beside the stack's data, never into the cached archives.
            "PYTHONPYCACHEPREFIX": str(host.bytecode_dir),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TZ": ":UTC",
        }
        host.log_dir.mkdir(parents=True, exist_ok=True)
        log = (host.log_dir / f"{definition.name}.log").open("ab")
        # -S: no site-packages, neither the venv's nor the interpreter's own.
        return subprocess.Popen(
            [host.interpreter, "-S", "-m", "awslambdaric", definition.handler],
            env=environment,
            cwd=definition.code,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def run(self, payload: bytes, invoked_function_arn: str) -> tuple[InvocationResult, float]:
        """Hand one invocation to this worker and wait for its answer or its timeout;
        the answer, and the handler's time in ms (the timeout's, for one that ran out)."""
        timeout = self.definition.timeout_seconds
        invocation = _Invocation(
            request_id=str(uuid.uuid4()),
            payload=payload,
            timeout_seconds=timeout,
            invoked_function_arn=invoked_function_arn,
        )
        with self._lock:
            self._current = invocation
            init_error, exit_code = self._init_error, self._exit_code
        if init_error is not None:
            invocation.complete(InvocationResult(init_error, UNHANDLED))
        elif exit_code is not None:
            invocation.complete(self._exit_result(invocation, exit_code))
        else:
            self._inbox.put(invocation)
        # The clock starts when the handler gets the event; a cold worker first imports.
        delivered = invocation.delivered.wait(INIT_GRACE_SECONDS)
        if not (delivered and invocation.done.wait(timeout)):
            # The timeout is the answer; the worker's death that follows is not.
            invocation.complete(
                InvocationResult(
                    _error_document("Sandbox.Timedout", f"Task timed out after {timeout:.2f} seconds"),
                    UNHANDLED,
                )
            )
            self.stop()
        assert invocation.result is not None
        return invocation.result, invocation.duration_ms

    def stop(self) -> None:
        if self.alive:
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._process.wait()
        self._server.shutdown()
        self._server.server_close()

    def _watch_exit(self) -> None:
        code = self._process.wait()
        with self._lock:
            self._exit_code = code
            invocation = self._current
        if invocation is not None:
            # An init error already answered it; complete() keeps the first answer.
            invocation.complete(self._exit_result(invocation, code))

    @staticmethod
    def _exit_result(invocation: _Invocation, code: int) -> InvocationResult:
        return InvocationResult(
            _error_document(
                "Runtime.ExitError",
                f"RequestId: {invocation.request_id} Error: Runtime exited with error: exit status {code}",
            ),
            UNHANDLED,
        )

    # --- the Runtime API, as this worker's awslambdaric sees it -------------------

    def next_invocation(self) -> _Invocation:
        invocation = self._inbox.get()
        invocation.deliver()
        return invocation

    def answered(self, request_id: str, body: bytes, function_error: str | None) -> bool:
        with self._lock:
            invocation = self._current
        if invocation is None or invocation.request_id != request_id:
            return False
        invocation.complete(InvocationResult(body, function_error))
        return True

    def init_failed(self, body: bytes) -> None:
        """awslambdaric reports its init error, then exits: the pending invoke gets the error."""
        with self._lock:
            self._init_error = body
            invocation = self._current
        if invocation is not None:
            invocation.complete(InvocationResult(body, UNHANDLED))


def _runtime_api_handler(worker: Worker) -> type[BaseHTTPRequestHandler]:
    class RuntimeApiHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self.path != f"{RUNTIME_API}/invocation/next":
                self._reply(404, b'{"errorType":"NotFound"}')
                return
            invocation = worker.next_invocation()
            self._reply(
                200,
                invocation.payload or b"{}",
                {
                    "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": invocation.invoked_function_arn,
                    "Lambda-Runtime-Trace-Id": f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]};Sampled=0",
                },
            )

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = self.path.removeprefix(RUNTIME_API).strip("/").split("/")
            if parts == ["init", "error"]:
                worker.init_failed(body)
                self._reply(202, b'{"status":"OK"}')
            elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                function_error = UNHANDLED if parts[2] == "error" else None
                known = worker.answered(parts[1], body, function_error)
                self._reply(202 if known else 400, b'{"status":"OK"}' if known else b'{"errorType":"InvalidRequestID"}')
            else:
                self._reply(404, b'{"errorType":"NotFound"}')

        def _reply(self, status: int, body: bytes, headers: Mapping[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return RuntimeApiHandler


class FunctionPool:
    """The execution environments of one function version, up to ``concurrency`` at once."""

    def __init__(self, definition: FunctionDefinition, host: WorkerHost, *, concurrency: int) -> None:
        self.definition = definition
        self._host = host
        self._concurrency = concurrency
        self._workers: list[Worker] = []
        self._changed = threading.Condition()
        self.cold_starts = 0

    def invoke(self, payload: bytes, invoked_function_arn: str) -> tuple[InvocationResult, float]:
        worker = self._acquire()
        try:
            return worker.run(payload, invoked_function_arn)
        finally:
            self._release(worker)

    def _acquire(self) -> Worker:
        with self._changed:
            while True:
                self._workers = [worker for worker in self._workers if worker.alive]
                idle = [worker for worker in self._workers if not worker.busy]
                if idle:
                    # The most recently used one: the others may then age out.
                    worker = max(idle, key=lambda candidate: candidate.last_used)
                    break
                if len(self._workers) < self._concurrency:
                    worker = Worker(self.definition, self._host)
                    self._workers.append(worker)
                    self.cold_starts += 1
                    break
                # Every environment is busy: the invoke waits, as Lambda holds it.
                self._changed.wait()
            worker.busy = True
            return worker

    def _release(self, worker: Worker) -> None:
        with self._changed:
            worker.busy = False
            worker.last_used = time.monotonic()
            if not worker.alive:
                worker.stop()
                self._workers.remove(worker)
            self._changed.notify()

    def reap(self, idle_seconds: float) -> int:
        """Stop the workers idle for longer than ``idle_seconds``; how many stopped."""
        now = time.monotonic()
        with self._changed:
            stale = [w for w in self._workers if not w.busy and now - w.last_used > idle_seconds]
            for worker in stale:
                self._workers.remove(worker)
        for worker in stale:
            worker.stop()
        return len(stale)

    @property
    def worker_pids(self) -> list[int]:
        with self._changed:
            return [worker.pid for worker in self._workers if worker.alive]

    def stop(self) -> None:
        with self._changed:
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.stop()


class WorkerLambdaRuntime:
    """Every function of the stack in pools of ``awslambdaric`` workers, one pool per version.

    As on Lambda, each version runs in its own execution environments: an
    invoke through an alias runs the version the alias points to, in workers
    whose ``AWS_LAMBDA_FUNCTION_VERSION`` is that version. The code is the
    one the program declares for the function.
    """

    def __init__(
        self,
        host: WorkerHost,
        *,
        concurrency: int,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        usage: StackUsage | None = None,
    ) -> None:
        self._host = host
        self._usage = usage or StackUsage()
        self._concurrency = concurrency
        self._idle_seconds = idle_seconds
        self._definitions: dict[str, FunctionDefinition] = {}
        self._pools: dict[tuple[str, str], FunctionPool] = {}
        self._lock = threading.Lock()
        self.versions = FunctionVersions()
        self._stopped = threading.Event()
        threading.Thread(target=self._reap_forever, name="worker-reaper", daemon=True).start()

    def register(self, definition: FunctionDefinition) -> None:
        with self._lock:
            self._definitions[definition.name] = definition
            previous = [self._pools.pop(key) for key in list(self._pools) if key[0] == definition.name]
        for pool in previous:
            pool.stop()

    def invoke(self, identifier: str, payload: bytes) -> InvocationResult:
        function = self.versions.resolve(identifier)
        pool = self._pool(function.name, function.version)
        result, duration_ms = pool.invoke(payload, function.invoked_arn)
        self._usage.add_invocation(function.name, duration_ms)
        return replace(result, executed_version=function.version)

    def _pool(self, name: str, version: str) -> FunctionPool:
        with self._lock:
            definition = self._definitions.get(name)
            if definition is None:
                raise UnknownFunctionError(name=name)
            pool = self._pools.get((name, version))
            if pool is None:
                pool = FunctionPool(replace(definition, version=version), self._host, concurrency=self._concurrency)
                self._pools[(name, version)] = pool
            return pool

    def cold_starts(self) -> dict[str, int]:
        """Per function, over its versions."""
        counts = dict.fromkeys(self._definitions, 0)
        for (name, _), pool in list(self._pools.items()):
            counts[name] += pool.cold_starts
        return counts

    def worker_pids(self) -> dict[str, list[int]]:
        """Per function, over its versions."""
        pids: dict[str, list[int]] = {name: [] for name in self._definitions}
        for (name, _), pool in list(self._pools.items()):
            pids[name].extend(pool.worker_pids)
        return pids

    def stop(self) -> None:
        self._stopped.set()
        for pool in list(self._pools.values()):
            pool.stop()

    def _reap_forever(self) -> None:
        interval = max(1.0, min(30.0, self._idle_seconds / 4))
        while not self._stopped.wait(interval):
            for pool in list(self._pools.values()):
                pool.reap(self._idle_seconds)
