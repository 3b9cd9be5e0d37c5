"""The trigger: one EventBridge rule on uploads, starting both patterns.

Each target has a retry policy and its own dead-letter queue, so a failed
delivery is kept and counted per pattern. The durable target is the function's
alias: EventBridge must invoke a durable function through a version or alias.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pulumi
import pulumi_aws as aws
from album_registry.domain.s3_keys import IMAGE_EXTENSIONS, UPLOAD_PREFIX

from components import iam_policies
from components.python_function import events_invoke_permission, service_role
from components.settings import StackSettings

# How long and how often EventBridge retries a target before it dead-letters.
RETRY_ATTEMPTS = 8
MAXIMUM_EVENT_AGE_SECONDS = 3600
DLQ_RETENTION_SECONDS = 14 * 24 * 3600


def extension_spellings(extension: str) -> list[str]:
    """Every upper/lower-case spelling of an extension, e.g. ``.jpg`` … ``.JPG``."""
    options = [sorted({char.lower(), char.upper()}) for char in extension]
    return ["".join(letters) for letters in itertools.product(*options)]


def upload_event_pattern(bucket_name: str) -> dict[str, Any]:
    """The rule's event pattern: Object Created in this bucket, for an image
    under ``uploads/``.

    EventBridge ANDs fields but ORs the values of one field, and its only way
    to require a prefix and a suffix on the same key is a wildcard, which is
    case-sensitive. Extensions are case-insensitive here, so every spelling of
    each one gets its own wildcard.
    """
    key_filters = [
        {"wildcard": f"{UPLOAD_PREFIX}*{spelling}"}
        for extension in IMAGE_EXTENSIONS
        for spelling in extension_spellings(extension)
    ]
    return {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [bucket_name]}, "object": {"key": key_filters}},
    }


class TriggerArgs:
    def __init__(
        self,
        *,
        settings: StackSettings,
        bucket_name: pulumi.Input[str],
        state_machine_arn: pulumi.Input[str],
        durable_function_name: pulumi.Input[str],
        durable_alias_name: pulumi.Input[str],
        durable_alias_arn: pulumi.Input[str],
    ) -> None:
        self.settings = settings
        self.bucket_name = bucket_name
        self.state_machine_arn = state_machine_arn
        self.durable_function_name = durable_function_name
        self.durable_alias_name = durable_alias_name
        self.durable_alias_arn = durable_alias_arn


class Trigger(pulumi.ComponentResource):
    def __init__(self, name: str, args: TriggerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("vinyl:index:Trigger", name, {}, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)

        self.event_pattern: pulumi.Output[str] = pulumi.Output.from_input(args.bucket_name).apply(
            lambda bucket: json.dumps(upload_event_pattern(bucket))
        )
        self.rule = aws.cloudwatch.EventRule(
            f"{name}-uploads-rule",
            name=settings.name("uploads"),
            description="Shelf photo uploaded: start both registration pipelines",
            event_pattern=self.event_pattern,
            opts=child,
        )

        self.step_functions_dlq = self._dead_letter_queue(f"{name}-sf-dlq", settings.name("sf-trigger-dlq"))
        self.durable_dlq = self._dead_letter_queue(f"{name}-ldf-dlq", settings.name("ldf-trigger-dlq"))

        events_access = service_role(
            f"{name}-events",
            role_name=settings.name("trigger-role"),
            policy_name=settings.name("trigger-policy"),
            service="events.amazonaws.com",
            statements=[iam_policies.allow("StartRegistration", ("states:StartExecution",), [args.state_machine_arn])],
            parent=self,
        )

        retry_policy = aws.cloudwatch.EventTargetRetryPolicyArgs(
            maximum_retry_attempts=RETRY_ATTEMPTS,
            maximum_event_age_in_seconds=MAXIMUM_EVENT_AGE_SECONDS,
        )
        self.step_functions_target = aws.cloudwatch.EventTarget(
            f"{name}-sf-target",
            rule=self.rule.name,
            target_id="step-functions",
            arn=args.state_machine_arn,
            role_arn=events_access.role.arn,
            retry_policy=retry_policy,
            dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(
                arn=self.step_functions_dlq.arn
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[events_access.policy]),
        )

        self.invoke_permission = events_invoke_permission(
            f"{name}-ldf-invoke",
            function_name=args.durable_function_name,
            qualifier=args.durable_alias_name,
            source_arn=self.rule.arn,
            parent=self,
        )
        self.durable_target = aws.cloudwatch.EventTarget(
            f"{name}-ldf-target",
            rule=self.rule.name,
            target_id="durable-functions",
            arn=args.durable_alias_arn,
            retry_policy=retry_policy,
            dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(
                arn=self.durable_dlq.arn
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.invoke_permission]),
        )

        self.rule_name: pulumi.Output[str] = self.rule.name
        self.dead_letter_queue_names: list[pulumi.Output[str]] = [
            self.step_functions_dlq.name,
            self.durable_dlq.name,
        ]
        self.register_outputs(
            {
                "ruleName": self.rule_name,
                "eventPattern": self.event_pattern,
                "deadLetterQueues": self.dead_letter_queue_names,
            }
        )

    def _dead_letter_queue(self, resource_name: str, queue_name: str) -> aws.sqs.Queue:
        """A queue only this rule may send to, for events its target never took."""
        queue = aws.sqs.Queue(
            resource_name,
            name=queue_name,
            message_retention_seconds=DLQ_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.sqs.QueuePolicy(
            f"{resource_name}-policy",
            queue_url=queue.url,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "EventBridgeDeadLetters",
                            "Effect": "Allow",
                            "Principal": {"Service": "events.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": queue.arn,
                            "Condition": {"ArnEquals": {"aws:SourceArn": self.rule.arn}},
                        }
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return queue
