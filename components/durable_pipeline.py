"""The durable-functions pattern: one durable Lambda, published, behind an alias."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
from album_registry.constants import METRICS_NAMESPACES
from album_registry.domain.models import WorkflowType

from components import iam_policies
from components.python_function import function_log_group, python_function
from components.pipeline_args import PipelineArgs
from components.settings import (
    lambda_environment,
)

DURABLE_HANDLER = "album_registry.handlers.durable_pipeline.handler"
# EventBridge and callers invoke this alias: a durable function must be invoked
# through a version or alias, never $LATEST.
LIVE_ALIAS = "live"


class DurablePipelineArgs(PipelineArgs):
    """The durable pipeline's inputs."""


class DurablePipeline(pulumi.ComponentResource):
    """The durable Lambda (``durable_config`` from the stack settings, published
    on every change), its ``live`` alias, and its role: checkpoints and state on
    its own qualified ARNs, the table, the uploads, the Discogs token's secret
    (it prices albums), and Bedrock when used."""

    def __init__(
        self, name: str, args: DurablePipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("vinyl:index:DurablePipeline", name, {}, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        function_name = settings.name("durable-pipeline")

        self.log_group = function_log_group(
            f"{name}-logs", function_name=function_name, settings=settings, parent=self
        )
        self.role = aws.iam.Role(
            f"{name}-role",
            name=settings.name("durable-role"),
            assume_role_policy=iam_policies.service_trust_policy("lambda.amazonaws.com"),
            opts=child,
        )
        self.function = python_function(
            f"{name}-function",
            function_name=function_name,
            handler=DURABLE_HANDLER,
            description="Durable registration pipeline",
            code=args.code,
            role_arn=self.role.arn,
            log_group=self.log_group,
            environment=lambda_environment(
                settings,
                service="durable-pipeline",
                metrics_namespace=METRICS_NAMESPACES[WorkflowType.DURABLE_FUNCTIONS],
                workflow=WorkflowType.DURABLE_FUNCTIONS,
                table_name=args.table_name,
                bucket_name=args.bucket_name,
                discogs_token_secret_name=args.discogs_token_secret.name,
            ),
            settings=settings,
            parent=self,
            durable_config=aws.lambda_.FunctionDurableConfigArgs(
                execution_timeout=settings.durable_execution_timeout_seconds,
                retention_period=settings.durable_retention_days,
            ),
            publish=True,
        )

        statements = [
            iam_policies.allow(
                "DurableExecution",
                iam_policies.DURABLE_EXECUTION_ACTIONS,
                [iam_policies.qualified_arns(self.function.arn)],
            ),
            *args.registration_statements([self.log_group.arn]),
            iam_policies.discogs_token_statement(args.discogs_token_secret.arn),
        ]
        self.policy = aws.iam.RolePolicy(
            f"{name}-policy",
            name=settings.name("durable-policy"),
            role=self.role.id,
            policy=iam_policies.policy_document(statements),
            opts=child,
        )
        # Nothing can invoke the function before the alias exists, and the alias
        # waits for the policy, so no execution starts without its permissions.
        self.alias = aws.lambda_.Alias(
            f"{name}-alias",
            name=LIVE_ALIAS,
            function_name=self.function.name,
            function_version=self.function.version,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.policy]),
        )

        self.function_name: pulumi.Output[str] = self.function.name
        self.function_arn: pulumi.Output[str] = self.function.arn
        self.alias_arn: pulumi.Output[str] = self.alias.arn
        self.alias_name: pulumi.Output[str] = self.alias.name
        self.register_outputs(
            {
                "functionName": self.function_name,
                "functionArn": self.function_arn,
                "aliasArn": self.alias_arn,
            }
        )
