"""The history reader of a stack, as ``albums history`` and ``albums ui`` find it.

``--stack local`` reads the running ``albums local up`` of the data dir, or,
when none runs there, the local stack whose environment this process has
(table, bucket, ``AWS_ENDPOINT_URL``), as the validation API's in-process
transport does. Any other stack is read through its outputs with the
caller's credentials.
"""

from __future__ import annotations

from pathlib import Path

import boto3

from album_registry import composition
from album_registry.adapters.dynamodb_repository import DynamoDbAlbumRepository
from albums.history.reader import HistoryReader
from albums.stack_access import LOCAL_STACK, open_stack
from albums.ui.validation_client import LocalStackNotConfiguredError
from local_aws.stack_info import DEFAULT_DATA_DIR, LocalStackInfo


def history_reader_for_stack(
    stack: str, *, outputs_file: Path | None = None, data_dir: Path = DEFAULT_DATA_DIR
) -> HistoryReader:
    if stack == LOCAL_STACK and outputs_file is None and LocalStackInfo.read(data_dir) is None:
        try:
            settings = composition.settings()
        except KeyError as error:
            raise LocalStackNotConfiguredError(missing=str(error.args[0])) from error
        return HistoryReader(
            records=composition.repository(),
            step_functions=boto3.client("stepfunctions"),
            lambda_client=boto3.client("lambda"),
            s3=boto3.client("s3"),
            bucket=settings.bucket_name or "",
        )
    access = open_stack(stack, outputs_file=outputs_file, data_dir=data_dir)
    return HistoryReader(
        records=DynamoDbAlbumRepository(access.client("dynamodb"), access.outputs.table_name),
        step_functions=access.client("stepfunctions"),
        lambda_client=access.client("lambda"),
        s3=access.client("s3"),
        bucket=access.outputs.bucket_name,
    )
