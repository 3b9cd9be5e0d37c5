"""Runs their engine ended by itself: two status-change rules and the function
that marks the run's record failed (``album_registry.handlers.run_endings``).

Step Functions publishes "Step Functions Execution Status Change" and Lambda
"Durable Execution Status Change" to the default event bus. One rule per engine
matches this stack's state machine or durable function, with a status that is
no success, and sends the event to the function; the handler's docstring says
why this, rather than a deadline step in the durable handler.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from album_registry.handlers.run_endings import (
    DURABLE_FAILED_STATUSES,
    DURABLE_SOURCE,
    DURABLE_STATUS_CHANGE,
    STEP_FUNCTIONS_FAILED_STATUSES,
    STEP_FUNCTIONS_SOURCE,
    STEP_FUNCTIONS_STATUS_CHANGE,
)

from components import iam_policies
from components.lambda_code import FunctionCode
from components.python_function import events_invoke_permission, function_with_role
from components.settings import StackSettings, lambda_environment

RUN_ENDINGS_HANDLER = "album_registry.handlers.run_endings.handler"
# EventBridge retries a target this often before it gives the event up.
RETRY_ATTEMPTS = 8
MAXIMUM_EVENT_AGE_SECONDS = 3600


def step_functions_ending_pattern(state_machine_arn: str) -> dict[str, Any]:
    """A run of this state machine ended failed, timed out or aborted."""
    return {
        "source": [STEP_FUNCTIONS_SOURCE],
        "detail-type": [STEP_FUNCTIONS_STATUS_CHANGE],
        "detail": {"stateMachineArn": [state_machine_arn], "status": list(STEP_FUNCTIONS_FAILED_STATUSES)},
    }


def durable_ending_pattern(function_arn: str) -> dict[str, Any]:
    """A run of any version of this durable function ended failed, timed out or
    stopped (the event's ``functionArn`` is the qualified ARN of the version)."""
    return {
        "source": [DURABLE_SOURCE],
        "detail-type": [DURABLE_STATUS_CHANGE],
        "detail": {"functionArn": [{"prefix": f"{function_arn}:"}], "status": list(DURABLE_FAILED_STATUSES)},
    }


@dataclass(frozen=True, kw_only=True)
class RunEndingsArgs:
    settings: StackSettings
    code: FunctionCode
    table_name: pulumi.Input[str]
    table_arn: pulumi.Input[str]
    bucket_name: pulumi.Input[str]
    state_machine_arn: pulumi.Input[str]
    state_machine_name: pulumi.Input[str]
    durable_function_arn: pulumi.Input[str]
    account_id: pulumi.Input[str]


class RunEndings(pulumi.ComponentResource):
    """The function reads and writes the table, reads the runs' inputs (a state
    machine execution's, a durable execution's) and nothing else."""

    def __init__(self, name: str, args: RunEndingsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("vinyl:index:RunEndings", name, {}, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        executions_arn = pulumi.Output.concat(
            "arn:aws:states:", settings.region, ":", args.account_id, ":execution:", args.state_machine_name, ":*"
        )
        self.function = function_with_role(
            name,
            suffix="run-endings",
            handler=RUN_ENDINGS_HANDLER,
            description="Marks failed the runs their engine ended (timeout, stop)",
            code=args.code,
            environment=lambda_environment(
                settings,
                service="run-endings",
                metrics_namespace=None,
                table_name=args.table_name,
                bucket_name=args.bucket_name,
            ),
            statements=lambda log_group_arn: [
                iam_policies.allow("ReadRunInputs", ("states:DescribeExecution",), [executions_arn]),
                iam_policies.allow(
                    "ReadDurableRunInputs",
                    ("lambda:GetDurableExecution",),
                    [iam_policies.qualified_arns(args.durable_function_arn)],
                ),
                iam_policies.log_write_statement([log_group_arn]),
                iam_policies.xray_statement(),
                iam_policies.table_statement(args.table_arn),
            ],
            settings=settings,
            parent=self,
        ).function

        patterns = {
            "sf": pulumi.Output.from_input(args.state_machine_arn).apply(
                lambda arn: json.dumps(step_functions_ending_pattern(arn))
            ),
            "ldf": pulumi.Output.from_input(args.durable_function_arn).apply(
                lambda arn: json.dumps(durable_ending_pattern(arn))
            ),
        }
        self.rules: dict[str, aws.cloudwatch.EventRule] = {}
        for pattern, event_pattern in patterns.items():
            rule = aws.cloudwatch.EventRule(
                f"{name}-{pattern}-rule",
                name=settings.name(f"{pattern}-run-endings"),
                description="A run its engine ended without success: mark its record failed",
                event_pattern=event_pattern,
                opts=child,
            )
            permission = events_invoke_permission(
                f"{name}-{pattern}-invoke", function_name=self.function.name, source_arn=rule.arn, parent=self
            )
            aws.cloudwatch.EventTarget(
                f"{name}-{pattern}-target",
                rule=rule.name,
                target_id="run-endings",
                arn=self.function.arn,
                retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
                    maximum_retry_attempts=RETRY_ATTEMPTS,
                    maximum_event_age_in_seconds=MAXIMUM_EVENT_AGE_SECONDS,
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[permission]),
            )
            self.rules[pattern] = rule

        self.function_name: pulumi.Output[str] = self.function.name
        self.rule_names: list[pulumi.Output[str]] = [rule.name for rule in self.rules.values()]
        self.register_outputs({"functionName": self.function_name, "ruleNames": self.rule_names})
