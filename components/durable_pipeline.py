"""The durable-functions pattern: one durable Lambda, published, behind an alias."""

from __future__ import annotations

import pulumi
from album_registry.domain.models import WorkflowType

from components import iam_policies
from components.durable_function import DurableFunctionSpec, durable_function
from components.pipeline_args import PipelineArgs

DURABLE_HANDLER = "album_registry.handlers.durable_pipeline.handler"


class DurablePipeline(pulumi.ComponentResource):
    """The durable Lambda (``durable_config`` from the stack settings, published
    on every change), its ``live`` alias, and its role: checkpoints and state on
    its own qualified ARNs, the table, the uploads, the Discogs token's secret
    and Bedrock when used."""

    def __init__(
        self, name: str, args: PipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("vinyl:index:DurablePipeline", name, {}, opts)
        settings = args.settings
        resources = durable_function(
            name,
            DurableFunctionSpec(
                suffix="durable-pipeline",
                handler=DURABLE_HANDLER,
                description="Durable registration pipeline",
                execution_timeout_seconds=settings.durable_execution_timeout_seconds,
                retention_days=settings.durable_retention_days,
                environment=args.environment(WorkflowType.DURABLE_FUNCTIONS, service="durable-pipeline", prices=True),
                statements=lambda log_group_arn: [
                    *args.registration_statements([log_group_arn]),
                    iam_policies.discogs_token_statement(args.discogs_token_secret.arn),
                ],
            ),
            code=args.code,
            settings=settings,
            parent=self,
        )
        self.log_group = resources.log_group
        self.role = resources.role
        self.function = resources.function
        self.policy = resources.policy
        self.alias = resources.alias

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
