"""One SDK client per service for moto's Step Functions interpreter, not one per task.

moto (5.2.5) builds a new boto3 client (``boto_client_for``) every time a
task calls a service: each Lambda task, each native DynamoDB write. Building
a client loads and wires botocore's service model, which py-spy put at 7 %
of the stack process's CPU under ``albums bench --concurrency 20``. AWS's
Step Functions keeps its connections; here each (region, service, endpoint)
gets one client, built as moto builds it (boto3 clients are thread-safe).
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

from botocore.client import BaseClient
from moto.core.models import botocore_stubber
from moto.settings import moto_server_port
from moto.stepfunctions.parser.asl.utils import boto_client

_INSTALLED = "_local_aws_shared_clients"
# Every module of the interpreter that imported ``boto_client_for`` by name.
_CALLERS = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_batch",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_ecs",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_events",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_glue",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sns",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sqs",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported",
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3",
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval.resource_eval_s3",
)


def install_shared_clients() -> None:
    """Make the interpreter reuse one client per (region, service, endpoint) (idempotent)."""
    if getattr(boto_client.boto_client_for, _INSTALLED, False):
        return
    shared = _shared(boto_client.boto_client_for)
    boto_client.boto_client_for = shared
    for name in _CALLERS:
        module = importlib.import_module(name)
        module.boto_client_for = shared  # type: ignore[attr-defined]


def _shared(build: Any) -> Any:
    @functools.cache
    def client(region: str, service: str, intercepting: bool, port: int) -> BaseClient:
        return build(region=region, service=service)

    @functools.wraps(build)
    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> BaseClient:
        # moto's client ignores the state's credentials; its endpoint follows the
        # stubber and the server port, so those are part of the key.
        return client(region, service, botocore_stubber.enabled, moto_server_port())

    setattr(boto_client_for, _INSTALLED, True)
    return boto_client_for
