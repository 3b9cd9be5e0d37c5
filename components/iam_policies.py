"""IAM policy documents, built as data and serialized with ``Output.json_dumps``.

Every statement names the resources of this stack. Only the statements whose
``Sid`` is in ``UNSCOPED_STATEMENT_SIDS`` use ``"Resource": "*"``, because the
services behind them accept no resource ARN:

- X-Ray's ``PutTraceSegments``/``PutTelemetryRecords``/sampling APIs;
- CloudWatch Logs' vended log delivery APIs, which Step Functions needs to
  write its execution log (``logs:CreateLogDelivery`` and friends).

Bedrock statements are scoped to the configured model's ARNs
(``settings.bedrock_model_arns``); their only wildcard is the region of the
foundation model a cross-region inference profile may route to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

XRAY_SID = "XRayWrite"
DISCOGS_TOKEN_SID = "ReadDiscogsToken"
LOG_DELIVERY_SID = "VendedLogDelivery"
UNSCOPED_STATEMENT_SIDS = frozenset({XRAY_SID, LOG_DELIVERY_SID})

# Item-level access to the registry table and its index; no Scan, no table admin.
# There is no transaction action to grant: IAM has no ``dynamodb:TransactWriteItems``
# or ``dynamodb:TransactGetItems``. DynamoDB authorizes each item of a transaction
# by its own action (PutItem, UpdateItem, DeleteItem, GetItem, and ConditionCheckItem
# for a ConditionCheck), so the repository's ``transact_write_items`` of Puts needs
# only ``dynamodb:PutItem``.
TABLE_READ_WRITE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)
UPLOAD_READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion")
SECRET_READ_ACTIONS = ("secretsmanager:GetSecretValue",)
# Converse needs bedrock:InvokeModel; the reader never streams.
BEDROCK_INVOKE_ACTIONS = ("bedrock:InvokeModel",)
DURABLE_EXECUTION_ACTIONS = (
    "lambda:CheckpointDurableExecution",
    "lambda:GetDurableExecutionState",
)
DURABLE_CALLBACK_ACTIONS = (
    "lambda:SendDurableExecutionCallbackSuccess",
    "lambda:SendDurableExecutionCallbackFailure",
    "lambda:SendDurableExecutionCallbackHeartbeat",
)
TASK_TOKEN_ACTIONS = (
    "states:SendTaskSuccess",
    "states:SendTaskFailure",
    "states:SendTaskHeartbeat",
)
_XRAY_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
)
_LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)

Statement = dict[str, Any]


def allow(sid: str, actions: Sequence[str], resources: Sequence[pulumi.Input[str]]) -> Statement:
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": list(resources)}


def policy_document(statements: Sequence[Statement]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def service_trust_policy(service: str) -> pulumi.Output[str]:
    """Who may assume a role: one AWS service principal."""
    return policy_document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
            }
        ]
    )


def xray_statement() -> Statement:
    return {"Sid": XRAY_SID, "Effect": "Allow", "Action": list(_XRAY_ACTIONS), "Resource": "*"}


def log_delivery_statement() -> Statement:
    return {
        "Sid": LOG_DELIVERY_SID,
        "Effect": "Allow",
        "Action": list(_LOG_DELIVERY_ACTIONS),
        "Resource": "*",
    }


def log_write_statement(log_group_arns: Sequence[pulumi.Input[str]]) -> Statement:
    """Write to exactly these log groups (their streams are ``<arn>:*``)."""
    streams = [pulumi.Output.concat(arn, ":*") for arn in log_group_arns]
    return allow("WriteOwnLogs", ("logs:CreateLogStream", "logs:PutLogEvents"), streams)


def table_statement(table_arn: pulumi.Input[str]) -> Statement:
    return allow(
        "RegistryTable",
        TABLE_READ_WRITE_ACTIONS,
        [table_arn, pulumi.Output.concat(table_arn, "/index/*")],
    )


def upload_read_statement(bucket_arn: pulumi.Input[str], upload_prefix: str) -> Statement:
    return allow(
        "ReadUploads", UPLOAD_READ_ACTIONS, [pulumi.Output.concat(bucket_arn, "/", upload_prefix, "*")]
    )


def discogs_token_statement(secret_arn: pulumi.Input[str]) -> Statement:
    """Read the Discogs token's secret, and no other: for the functions that price albums."""
    return allow(DISCOGS_TOKEN_SID, SECRET_READ_ACTIONS, [secret_arn])


def bedrock_statement(model_arns: pulumi.Input[list[str]]) -> Statement:
    return {
        "Sid": "InvokeVisionModel",
        "Effect": "Allow",
        "Action": list(BEDROCK_INVOKE_ACTIONS),
        "Resource": model_arns,
    }


def qualified_arns(function_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """Every version and alias of one function: ``...:function:NAME:*``."""
    return pulumi.Output.concat(function_arn, ":*")
