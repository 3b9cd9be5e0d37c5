"""The validation API: one Lambda behind a function URL with ``AWS_IAM`` auth."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
from album_registry.domain.s3_keys import UPLOAD_PREFIX

from components import iam_policies
from components.lambda_code import FunctionCode
from components.python_function import function_with_role
from album_registry.constants import VALIDATION_API_METRICS_NAMESPACE

from components.settings import StackSettings, lambda_environment

VALIDATION_API_HANDLER = "album_registry.handlers.validation_api.handler"


class ValidationApiArgs:
    def __init__(
        self,
        *,
        settings: StackSettings,
        code: FunctionCode,
        table_name: pulumi.Input[str],
        table_arn: pulumi.Input[str],
        bucket_name: pulumi.Input[str],
        bucket_arn: pulumi.Input[str],
        state_machine_arn: pulumi.Input[str],
        durable_function_arn: pulumi.Input[str],
        durable_alias_arn: pulumi.Input[str],
    ) -> None:
        self.settings = settings
        self.code = code
        self.table_name = table_name
        self.table_arn = table_arn
        self.bucket_name = bucket_name
        self.bucket_arn = bucket_arn
        self.state_machine_arn = state_machine_arn
        self.durable_function_arn = durable_function_arn
        self.durable_alias_arn = durable_alias_arn


class ValidationApi(pulumi.ComponentResource):
    """Answers validation tasks of both patterns: task tokens of this state
    machine, callbacks of this durable function, and nothing else."""

    def __init__(
        self, name: str, args: ValidationApiArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("vinyl:index:ValidationApi", name, {}, opts)
        settings = args.settings
        self.function = function_with_role(
            name,
            suffix="validation-api",
            handler=VALIDATION_API_HANDLER,
            description="Validation API for both patterns",
            code=args.code,
            environment=lambda_environment(
                settings,
                service="validation-api",
                metrics_namespace=VALIDATION_API_METRICS_NAMESPACE,
                table_name=args.table_name,
                bucket_name=args.bucket_name,
                state_machine_arn=args.state_machine_arn,
                durable_function_arn=args.durable_alias_arn,
            ),
            statements=lambda log_group_arn: [
                iam_policies.allow("AnswerTaskTokens", iam_policies.TASK_TOKEN_ACTIONS, [args.state_machine_arn]),
                iam_policies.allow(
                    "AnswerDurableCallbacks",
                    iam_policies.DURABLE_CALLBACK_ACTIONS,
                    [iam_policies.qualified_arns(args.durable_function_arn)],
                ),
                iam_policies.log_write_statement([log_group_arn]),
                iam_policies.xray_statement(),
                iam_policies.table_statement(args.table_arn),
                iam_policies.upload_read_statement(args.bucket_arn, UPLOAD_PREFIX),
            ],
            settings=settings,
            parent=self,
        ).function
        self.function_url = aws.lambda_.FunctionUrl(
            f"{name}-url",
            function_name=self.function.name,
            authorization_type="AWS_IAM",
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.url: pulumi.Output[str] = self.function_url.function_url
        self.function_name: pulumi.Output[str] = self.function.name
        self.register_outputs({"url": self.url, "functionName": self.function_name})
