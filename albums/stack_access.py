"""Which stack a verb acts on: the local stack or a deployed one, by its outputs.

Every verb that takes ``--stack`` goes through ``open_stack``: the same code
runs against both, and only the endpoint and the names differ. A stack's
repository, engine resumer and photo links come from ``StackAccess.adapters``
(the builder the validation Lambda uses too); answers to its tasks go through
its validation API (``albums.ui.validation_client.validation_api``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from album_registry.composition import StackAdapters, stack_adapters

from local_aws.stack_info import DEFAULT_DATA_DIR, FUNCTION_LOG_DIR, LocalStackInfo
from albums.stack_outputs import STACK_OUTPUTS_ERRORS, StackOutputs, load_stack_outputs

LOCAL_STACK = "local"


class LocalStackNotRunningError(Exception):
    def __init__(self, *, data_dir: Path) -> None:
        super().__init__(f"no local stack is running for {data_dir}: start one with `albums local up`")
        self.data_dir = data_dir


# What reaching a stack (local or deployed) can fail with.
STACK_ACCESS_ERRORS = (LocalStackNotRunningError, *STACK_OUTPUTS_ERRORS)


@dataclass(frozen=True)
class StackAccess:
    name: str
    outputs: StackOutputs
    endpoint_url: str | None = None
    # The local stack's function logs (one file per function), as log groups are on AWS.
    log_dir: Path | None = None

    @property
    def is_local(self) -> bool:
        return self.endpoint_url is not None

    def client(self, service: str, **options: Any) -> Any:
        if self.endpoint_url is None:
            return boto3.client(service, region_name=self.outputs.region, **options)
        return boto3.client(
            service,
            region_name=self.outputs.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            **options,
        )

    def adapters(self) -> StackAdapters:
        return stack_adapters(self.client, table_name=self.outputs.table_name, bucket_name=self.outputs.bucket_name)


def open_stack(stack: str, *, outputs_file: Path | None = None, data_dir: Path = DEFAULT_DATA_DIR) -> StackAccess:
    if stack != LOCAL_STACK:
        return StackAccess(name=stack, outputs=load_stack_outputs(stack, outputs_file=outputs_file))
    info = LocalStackInfo.read(data_dir)
    if info is None:
        raise LocalStackNotRunningError(data_dir=data_dir)
    return StackAccess(
        name=stack,
        outputs=StackOutputs.model_validate(info.outputs),
        endpoint_url=info.endpoint,
        log_dir=data_dir / FUNCTION_LOG_DIR,
    )


def add_stack_arguments(parser: Any, *, default: str = LOCAL_STACK) -> None:
    parser.add_argument("--stack", default=default, help="'local' or the name of a deployed stack")
    parser.add_argument("--outputs", type=Path, help="stack outputs as JSON, for users without the Pulumi CLI")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="the local stack's data dir")


def stack_from_arguments(args: Any) -> StackAccess:
    return open_stack(args.stack, outputs_file=args.outputs, data_dir=args.data_dir)
