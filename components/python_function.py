"""The settings every Lambda of the stack shares, in one place.

``python3.13`` on ``arm64``, its bundle's code archive (whose SHA-256 is the
code hash) and layer, X-Ray active tracing, JSON (structured) logs into a log
group the stack owns (so its retention is set and the role can be scoped to
it), memory and timeout from the stack settings. A durable function gets
custom timeouts: deleting or replacing one can take up to 60 minutes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from components.lambda_code import FunctionCode
from components.lambda_package import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME
from components.settings import StackSettings


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
