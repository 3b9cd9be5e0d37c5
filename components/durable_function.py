"""A durable Lambda as the stack deploys every one: published, behind an alias.

Both the registration pipeline and the seed's examples are built here, so a
durable function always has its own log group and role, ``durable_config``
(execution timeout, retention), checkpoint and state rights on its own
qualified ARNs only, a version published on every change, and the ``live``
alias that callers and EventBridge invoke (a durable function is never invoked
as ``$LATEST``). The alias waits for the role's policy, so no execution starts
without its permissions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import iam_policies
from components.lambda_code import FunctionCode
from components.python_function import LAMBDA_SERVICE, assumable_role, function_log_group, inline_policy, python_function
from components.settings import StackSettings

LIVE_ALIAS = "live"


@dataclass(frozen=True)
class DurableFunctionSpec:
    """What differs between durable functions: names, handler, limits and rights."""

    suffix: str
    handler: str
    description: str
    execution_timeout_seconds: int
    retention_days: int
    environment: Mapping[str, pulumi.Input[str]]
    # The statements beyond checkpointing, given the function's log group ARN.
    statements: Callable[[pulumi.Output[str]], Sequence[iam_policies.Statement]]


@dataclass(frozen=True)
class DurableFunctionResources:
    log_group: aws.cloudwatch.LogGroup
    role: aws.iam.Role
    function: aws.lambda_.Function
    policy: aws.iam.RolePolicy
    alias: aws.lambda_.Alias


def durable_function(
    name: str,
    spec: DurableFunctionSpec,
    *,
    code: FunctionCode,
    settings: StackSettings,
    parent: pulumi.Resource,
) -> DurableFunctionResources:
    """Declare one durable function's resources as children of ``parent``, named ``f"{name}-..."``."""
    function_name = settings.name(spec.suffix)
    log_group = function_log_group(f"{name}-logs", function_name=function_name, settings=settings, parent=parent)
    role = assumable_role(
        f"{name}-role", role_name=settings.name(f"{spec.suffix}-role"), service=LAMBDA_SERVICE, parent=parent
    )
    function = python_function(
        f"{name}-function",
        function_name=function_name,
        handler=spec.handler,
        description=spec.description,
        code=code,
        role_arn=role.arn,
        log_group=log_group,
        environment=spec.environment,
        settings=settings,
        parent=parent,
        durable_config=aws.lambda_.FunctionDurableConfigArgs(
            execution_timeout=spec.execution_timeout_seconds,
            retention_period=spec.retention_days,
        ),
        publish=True,
    )
    statements = [
        iam_policies.allow(
            "DurableExecution",
            iam_policies.DURABLE_EXECUTION_ACTIONS,
            [iam_policies.qualified_arns(function.arn)],
        ),
        *spec.statements(log_group.arn),
    ]
    policy = inline_policy(
        f"{name}-policy", policy_name=settings.name(f"{spec.suffix}-policy"), role=role, statements=statements, parent=parent
    )
    alias = aws.lambda_.Alias(
        f"{name}-alias",
        name=LIVE_ALIAS,
        function_name=function.name,
        function_version=function.version,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[policy]),
    )
    return DurableFunctionResources(log_group, role, function, policy, alias)
