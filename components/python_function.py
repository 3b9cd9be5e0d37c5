"""The settings every Lambda of the stack shares, and the roles and permissions
every component grants access with, in one place.

``python3.13`` on ``arm64``, its bundle's code archive (whose SHA-256 is the
code hash) and layer, X-Ray active tracing, JSON (structured) logs into a log
group the stack owns (so its retention is set and the role can be scoped to
it), memory and timeout from the stack settings. A durable function gets
custom timeouts: deleting or replacing one can take up to 60 minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import iam_policies
from components.lambda_code import FunctionCode
from components.lambda_package import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME
from components.settings import StackSettings


LAMBDA_SERVICE = "lambda.amazonaws.com"
# AWS may take up to an hour to delete or replace a durable function.
DURABLE_FUNCTION_TIMEOUTS = pulumi.CustomTimeouts(create="15m", update="30m", delete="75m")


def function_log_group(
    resource_name: str, *, function_name: str, settings: StackSettings, parent: pulumi.Resource
) -> aws.cloudwatch.LogGroup:
    return aws.cloudwatch.LogGroup(
        resource_name,
        name=f"/aws/lambda/{function_name}",
        retention_in_days=settings.log_retention_days,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def python_function(
    resource_name: str,
    *,
    function_name: str,
    handler: str,
    description: str,
    code: FunctionCode,
    role_arn: pulumi.Input[str],
    log_group: aws.cloudwatch.LogGroup,
    environment: Mapping[str, pulumi.Input[str]],
    settings: StackSettings,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    durable_config: aws.lambda_.FunctionDurableConfigArgs | None = None,
    publish: bool = False,
) -> aws.lambda_.Function:
    return aws.lambda_.Function(
        resource_name,
        name=function_name,
        description=description,
        runtime=LAMBDA_RUNTIME,
        architectures=[LAMBDA_ARCHITECTURE],
        handler=handler,
        code=code.archive,
        source_code_hash=code.source_code_hash,
        layers=code.layers,
        role=role_arn,
        memory_size=settings.lambda_memory_mb,
        timeout=settings.lambda_timeout_seconds,
        environment=aws.lambda_.FunctionEnvironmentArgs(variables=dict(environment)) if environment else None,
        tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
        logging_config=aws.lambda_.FunctionLoggingConfigArgs(
            log_format="JSON",
            log_group=log_group.name,
            application_log_level="INFO",
            system_log_level="INFO",
        ),
        durable_config=durable_config,
        publish=publish,
        # The role's policy must exist before the first invocation can use it.
        opts=pulumi.ResourceOptions(
            parent=parent,
            depends_on=[log_group, *depends_on],
            custom_timeouts=DURABLE_FUNCTION_TIMEOUTS if durable_config is not None else None,
        ),
    )


@dataclass(frozen=True)
class ServiceRole:
    role: aws.iam.Role
    policy: aws.iam.RolePolicy


def assumable_role(resource_name: str, *, role_name: str, service: str, parent: pulumi.Resource) -> aws.iam.Role:
    """A role ``service`` may assume."""
    return aws.iam.Role(
        resource_name,
        name=role_name,
        assume_role_policy=iam_policies.service_trust_policy(service),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def inline_policy(
    resource_name: str,
    *,
    policy_name: str,
    role: aws.iam.Role,
    statements: Sequence[iam_policies.Statement],
    parent: pulumi.Resource,
) -> aws.iam.RolePolicy:
    return aws.iam.RolePolicy(
        resource_name,
        name=policy_name,
        role=role.id,
        policy=iam_policies.policy_document(statements),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def service_role(
    resource_prefix: str,
    *,
    role_name: str,
    policy_name: str,
    service: str,
    statements: Sequence[iam_policies.Statement],
    parent: pulumi.Resource,
) -> ServiceRole:
    """A role ``service`` assumes, with its one inline policy: children
    ``f"{resource_prefix}-role"`` and ``f"{resource_prefix}-policy"``."""
    role = assumable_role(f"{resource_prefix}-role", role_name=role_name, service=service, parent=parent)
    policy = inline_policy(
        f"{resource_prefix}-policy", policy_name=policy_name, role=role, statements=statements, parent=parent
    )
    return ServiceRole(role, policy)


@dataclass(frozen=True)
class FunctionWithRole:
    log_group: aws.cloudwatch.LogGroup
    role: aws.iam.Role
    policy: aws.iam.RolePolicy
    function: aws.lambda_.Function


def function_with_role(
    name: str,
    *,
    suffix: str,
    handler: str,
    description: str,
    code: FunctionCode,
    environment: Mapping[str, pulumi.Input[str]],
    statements: Callable[[pulumi.Output[str]], Sequence[iam_policies.Statement]],
    settings: StackSettings,
    parent: pulumi.Resource,
) -> FunctionWithRole:
    """One Lambda with a log group and a role of its own (children ``f"{name}-logs"``,
    ``-role``, ``-policy``, ``-function``); ``statements`` gets the log group's ARN, and
    the policy exists before the function's first invocation can use it."""
    function_name = settings.name(suffix)
    log_group = function_log_group(f"{name}-logs", function_name=function_name, settings=settings, parent=parent)
    access = service_role(
        name,
        role_name=settings.name(f"{suffix}-role"),
        policy_name=settings.name(f"{suffix}-policy"),
        service=LAMBDA_SERVICE,
        statements=statements(log_group.arn),
        parent=parent,
    )
    function = python_function(
        f"{name}-function",
        function_name=function_name,
        handler=handler,
        description=description,
        code=code,
        role_arn=access.role.arn,
        log_group=log_group,
        environment=environment,
        settings=settings,
        parent=parent,
        depends_on=[access.policy],
    )
    return FunctionWithRole(log_group, access.role, access.policy, function)


def events_invoke_permission(
    resource_name: str,
    *,
    function_name: pulumi.Input[str],
    source_arn: pulumi.Input[str],
    parent: pulumi.Resource,
    qualifier: pulumi.Input[str] | None = None,
) -> aws.lambda_.Permission:
    """Lets an EventBridge rule invoke a function (or one of its aliases)."""
    return aws.lambda_.Permission(
        resource_name,
        action="lambda:InvokeFunction",
        function=function_name,
        qualifier=qualifier,
        principal="events.amazonaws.com",
        source_arn=source_arn,
        opts=pulumi.ResourceOptions(parent=parent),
    )
