"""Delivers S3 "Object Created" events to the EventBridge rules of the stack.

moto's S3 does not notify EventBridge, and moto's EventBridge cannot call
Step Functions or Lambda targets. This module does both, from the rule's own
definition as the Pulumi program created it: the rule's pattern decides
(matched with moto's EventBridge pattern code), each target gets the event
with its retry policy, and a delivery that still fails goes to the target's
dead-letter queue.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from moto.backends import get_backend
from moto.events.models import EventPattern

from local_aws.s3_events import object_created_event
from local_aws.lambda_runtime import ACCOUNT_ID, REGION

logger = logging.getLogger(__name__)
DELIVERY_ATTEMPTS = 3


class UploadTrigger:
    def __init__(self, *, events: Any, step_functions: Any, lambda_client: Any, sqs: Any) -> None:
        self._events = events
        self._step_functions = step_functions
        self._lambda = lambda_client
        self._sqs = sqs
        self.deliveries: list[tuple[str, str]] = []

    def object_created(self, bucket: str, key: str, version: str | None, size: int) -> int:
        """S3 wrote an object: if the bucket sends events to EventBridge, send one; returns the deliveries made."""
        if not bucket_sends_to_eventbridge(bucket):
            return 0
        event = object_created_event(bucket=bucket, key=key, version=version, size=size)
        event["id"] = str(uuid.uuid4())
        event["time"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        event["account"], event["region"] = ACCOUNT_ID, REGION
        return self.put_event(event)

    def put_event(self, event: dict[str, Any]) -> int:
        """Deliver one event to every matching rule's targets; returns the deliveries made."""
        delivered = 0
        for rule in self._events.list_rules(EventBusName="default").get("Rules", []):
            if rule.get("State") != "ENABLED" or not rule.get("EventPattern"):
                continue
            if not EventPattern.load(rule["EventPattern"]).matches_event(event):
                continue
            targets = self._events.list_targets_by_rule(Rule=rule["Name"], EventBusName="default")["Targets"]
            for target in targets:
                self._deliver(target, event)
                delivered += 1
        return delivered

    def _deliver(self, target: dict[str, Any], event: dict[str, Any]) -> None:
        attempts = min(DELIVERY_ATTEMPTS, 1 + target.get("RetryPolicy", {}).get("MaximumRetryAttempts", 0))
        error: Exception | None = None
        for attempt in range(1, attempts + 1):
            try:
                self._start(target["Arn"], event)
                self.deliveries.append((target["Arn"], event["id"]))
                return
            except Exception as failure:  # any failure is retried, then dead-lettered
                error = failure
                logger.warning("delivery to %s failed (attempt %d): %s", target["Arn"], attempt, failure)
                time.sleep(0.2 * attempt)
        dead_letter = target.get("DeadLetterConfig", {}).get("Arn")
        if dead_letter:
            queue_url = self._sqs.get_queue_url(QueueName=dead_letter.rsplit(":", 1)[1])["QueueUrl"]
            self._sqs.send_message(
                QueueUrl=queue_url,
                MessageBody=json.dumps(event),
                MessageAttributes={
                    "ERROR_MESSAGE": {"DataType": "String", "StringValue": str(error)[:1000]},
                    "RULE_ARN": {"DataType": "String", "StringValue": target["Arn"]},
                },
            )

    def _start(self, arn: str, event: dict[str, Any]) -> None:
        if arn.startswith("arn:aws:states:"):
            # EventBridge names each execution it starts; moto would call them all "None".
            self._step_functions.start_execution(stateMachineArn=arn, name=event["id"], input=json.dumps(event))
        elif arn.startswith("arn:aws:lambda:"):
            self._lambda.invoke(FunctionName=arn, InvocationType="Event", Payload=json.dumps(event).encode())
        else:
            raise UnsupportedTargetError(arn=arn)


def bucket_sends_to_eventbridge(bucket: str) -> bool:
    """Whether the bucket has EventBridge notifications on.

    Read from moto's S3 backend: its GetBucketNotificationConfiguration
    leaves an empty EventBridgeConfiguration out of the answer.
    """
    found = get_backend("s3")[ACCOUNT_ID]["global"].buckets.get(bucket)
    configuration = found.notification_configuration if found else None
    return configuration is not None and configuration.event_bridge is not None


class UnsupportedTargetError(Exception):
    def __init__(self, *, arn: str) -> None:
        super().__init__(f"the local trigger cannot deliver to {arn}")
        self.arn = arn
