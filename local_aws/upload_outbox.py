"""Uploads the stack owes workflows, until every pattern's run has written its record.

The journal keeps each S3 write the trigger hears of as owed (``journal``).
Its delivery alone does not settle it on this stack: moto's Step Functions
keeps its executions in memory, and the durable runner does not invoke again an
execution a crash interrupted, so a run that had not yet written its execution
record would leave its upload with no trace after a restart. An upload stays
owed until the record of each pattern exists; at start, the stack delivers the
owed ones again. A redelivery whose run finds its record already written
starts nothing new (the ids are the upload's: ``ids.execution_id_for_upload``),
and a run a restart took away after writing it shows in ``albums status``.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from album_registry.domain import ids, keys
from album_registry.domain.models import WorkflowType

from local_aws.journal import ObjectCreated, RequestJournal
from local_aws.trigger import UploadTrigger

logger = logging.getLogger(__name__)
# BatchGetItem's limit.
_KEYS_PER_READ = 100


class UploadOutbox:
    def __init__(
        self,
        *,
        journal: RequestJournal,
        trigger: UploadTrigger,
        dynamodb: Any,
        table_name: str,
        interval_seconds: float,
    ) -> None:
        self._journal = journal
        self._trigger = trigger
        self._dynamodb = dynamodb
        self._table_name = table_name
        self._interval = interval_seconds
        self._lock = threading.Lock()
        self._awaiting_records: list[ObjectCreated] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="upload-outbox", daemon=True)

    def start(self) -> UploadOutbox:
        """Deliver again what a previous run of the stack still owed, and watch for records."""
        owed = self._journal.pending_deliveries()
        if owed:
            logger.warning("delivering again %d upload(s) whose workflows had not recorded themselves", len(owed))
        for upload in owed:
            threading.Thread(target=self.deliver, args=(upload,), daemon=True).start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()

    def deliver(self, upload: ObjectCreated) -> None:
        """Hand the upload to the trigger; it stays owed until its runs have written their records."""
        if self._trigger.object_created(upload.bucket, upload.key, upload.version, upload.size) == 0:
            self._journal.delivered(upload)  # no rule wants it: nothing is owed
            return
        with self._lock:
            self._awaiting_records.append(upload)

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            with self._lock:
                awaiting = list(self._awaiting_records)
            try:
                recorded = self._recorded(awaiting)
            except (BotoCoreError, ClientError) as error:
                logger.warning("could not read the execution records: %s", error)
                continue  # still owed; read again at the next turn
            for upload in recorded:
                self._journal.delivered(upload)
                with self._lock:
                    self._awaiting_records.remove(upload)

    def _recorded(self, uploads: list[ObjectCreated]) -> list[ObjectCreated]:
        """The uploads whose every pattern has its execution record."""
        wanted = {
            (upload, workflow): keys.execution_pk(workflow, _execution_id(workflow, upload))
            for upload in uploads
            for workflow in WorkflowType
        }
        partition_keys = sorted(set(wanted.values()))
        found: set[str] = set()
        for start in range(0, len(partition_keys), _KEYS_PER_READ):
            read = [
                {keys.PARTITION_KEY: {"S": pk}, keys.SORT_KEY: {"S": keys.EXECUTION_SK}}
                for pk in partition_keys[start : start + _KEYS_PER_READ]
            ]
            answer = self._dynamodb.batch_get_item(
                RequestItems={self._table_name: {"Keys": read, "ProjectionExpression": keys.PARTITION_KEY}}
            )
            found.update(item[keys.PARTITION_KEY]["S"] for item in answer["Responses"].get(self._table_name, []))
        return [upload for upload in uploads if all(wanted[upload, workflow] in found for workflow in WorkflowType)]


def _execution_id(workflow: WorkflowType, upload: ObjectCreated) -> str:
    return ids.execution_id_for_upload(workflow, bucket=upload.bucket, key=upload.key, version=upload.version)
