"""What either pipeline component is given: settings, code and the shared data."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from album_registry import constants
from album_registry.constants import METRICS_NAMESPACES
from album_registry.domain.models import WorkflowType
from album_registry.domain.s3_keys import UPLOAD_PREFIX

from components import iam_policies
from components.lambda_code import FunctionCode
from components.settings import StackSettings, bedrock_model_arns, lambda_environment
from components.shared_data import SecretReference


class PipelineArgs:
    def __init__(
        self,
        *,
        settings: StackSettings,
        code: FunctionCode,
        account_id: pulumi.Input[str],
        table_name: pulumi.Input[str],
        table_arn: pulumi.Input[str],
        bucket_name: pulumi.Input[str],
        bucket_arn: pulumi.Input[str],
        discogs_token_secret: SecretReference,
    ) -> None:
        self.settings = settings
        self.code = code
        self.account_id = account_id
        self.table_name = table_name
        self.table_arn = table_arn
        self.bucket_name = bucket_name
        self.bucket_arn = bucket_arn
        # Given to the functions that price albums, and to no other.
        self.discogs_token_secret = discogs_token_secret

    def environment(self, workflow: WorkflowType, *, service: str, prices: bool) -> dict[str, pulumi.Input[str]]:
        """A pipeline function's environment; the Discogs token's secret only for one that prices albums,
        and a chaos run's fault plan for every one (they run the steps it injects faults into)."""
        environment = lambda_environment(
            self.settings,
            service=service,
            metrics_namespace=METRICS_NAMESPACES[workflow],
            workflow=workflow,
            table_name=self.table_name,
            bucket_name=self.bucket_name,
            discogs_token_secret_name=self.discogs_token_secret.name if prices else None,
        )
        if self.settings.fault_injection is not None:
            environment[constants.FAULT_INJECTION_ENV] = self.settings.fault_injection
        return environment

    def registration_statements(
        self, log_group_arns: Sequence[pulumi.Input[str]]
    ) -> list[iam_policies.Statement]:
        """What a function running the registration steps may do: write its
        logs and traces, read and write the table, read uploads, and call the
        configured Bedrock model."""
        settings = self.settings
        return [
            iam_policies.log_write_statement(log_group_arns),
            iam_policies.xray_statement(),
            iam_policies.table_statement(self.table_arn),
            iam_policies.upload_read_statement(self.bucket_arn, UPLOAD_PREFIX),
            iam_policies.bedrock_statement(
                pulumi.Output.from_input(self.account_id).apply(
                    lambda account: bedrock_model_arns(settings.bedrock_model_id, settings.region, account)
                )
            ),
        ]
