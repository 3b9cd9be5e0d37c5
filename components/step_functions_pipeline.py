"""The Step Functions pattern: a Standard state machine and its six task Lambdas."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from album_registry.constants import METRICS_NAMESPACES
from album_registry.domain.models import WorkflowType
from statemachine.definition import render_definition

from components import iam_policies
from components.python_function import function_log_group, python_function
from components.pipeline_args import PipelineArgs
from components.settings import (
    lambda_environment,
)

_HANDLER_MODULE = "album_registry.handlers.step_functions_tasks"
_DYNAMODB_INTEGRATION_PREFIX = "arn:aws:states:::dynamodb:"


@dataclass(frozen=True)
class TaskFunction:
    """One task of the workflow: its Lambda's name suffix, handler, and ASL placeholder."""

    suffix: str
    handler_name: str
    placeholder: str
    # Prices albums, so reads the Discogs token: a role and an environment of its own.
    prices: bool = False

    @property
    def handler(self) -> str:
        return f"{_HANDLER_MODULE}.{self.handler_name}"


TASK_FUNCTIONS = (
    TaskFunction("prepare-execution", "prepare_execution_handler", "PrepareExecutionFunctionArn"),
    TaskFunction("process-image", "process_image_handler", "ProcessImageFunctionArn"),
    TaskFunction("open-validation", "open_validation_handler", "OpenValidationFunctionArn"),
    TaskFunction("apply-validation", "apply_validation_handler", "ApplyValidationFunctionArn"),
    TaskFunction("estimate-price", "estimate_price_handler", "EstimatePriceFunctionArn", prices=True),
    TaskFunction("complete-execution", "complete_execution_handler", "CompleteExecutionFunctionArn"),
)


class StepFunctionsPipelineArgs(PipelineArgs):
    """The Step Functions pipeline's inputs."""


class StepFunctionsPipeline(pulumi.ComponentResource):
    """The task Lambdas (one role, and one for the price agent, which alone
    reads the Discogs token's secret), and the state machine built from the ASL
    template with their ARNs, with execution logging and X-Ray tracing. Its role
    invokes exactly those Lambdas and writes exactly the registry table."""

    def __init__(
        self, name: str, args: StepFunctionsPipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("vinyl:index:StepFunctionsPipeline", name, {}, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)

        function_names = {task.suffix: settings.name(f"sf-{task.suffix}") for task in TASK_FUNCTIONS}
        self.log_groups = {
            task.suffix: function_log_group(
                f"{name}-{task.suffix}-logs",
                function_name=function_names[task.suffix],
                settings=settings,
                parent=self,
            )
            for task in TASK_FUNCTIONS
        }

        self.task_role = aws.iam.Role(
            f"{name}-task-role",
            name=settings.name("sf-task-role"),
            assume_role_policy=iam_policies.service_trust_policy("lambda.amazonaws.com"),
            opts=child,
        )
        task_statements = args.registration_statements(
            [self.log_groups[task.suffix].arn for task in TASK_FUNCTIONS if not task.prices]
        )
        self.task_policy = aws.iam.RolePolicy(
            f"{name}-task-policy",
            name=settings.name("sf-task-policy"),
            role=self.task_role.id,
            policy=iam_policies.policy_document(task_statements),
            opts=child,
        )

        # The price agent writes nothing and reads no upload: its logs, its
        # traces and the Discogs token are all it may touch.
        price_tasks = [task for task in TASK_FUNCTIONS if task.prices]
        self.price_role = aws.iam.Role(
            f"{name}-price-role",
            name=settings.name("sf-price-role"),
            assume_role_policy=iam_policies.service_trust_policy("lambda.amazonaws.com"),
            opts=child,
        )
        self.price_policy = aws.iam.RolePolicy(
            f"{name}-price-policy",
            name=settings.name("sf-price-policy"),
            role=self.price_role.id,
            policy=iam_policies.policy_document(
                [
                    iam_policies.log_write_statement([self.log_groups[task.suffix].arn for task in price_tasks]),
                    iam_policies.xray_statement(),
                    iam_policies.discogs_token_statement(args.discogs_token_secret.arn),
                ]
            ),
            opts=child,
        )

        environments = {
            task.suffix: lambda_environment(
                settings,
                service="step-functions-pipeline",
                metrics_namespace=METRICS_NAMESPACES[WorkflowType.STEP_FUNCTIONS],
                workflow=WorkflowType.STEP_FUNCTIONS,
                table_name=args.table_name,
                bucket_name=args.bucket_name,
                discogs_token_secret_name=args.discogs_token_secret.name if task.prices else None,
            )
            for task in TASK_FUNCTIONS
        }
        self.functions = {
            task.suffix: python_function(
                f"{name}-{task.suffix}",
                function_name=function_names[task.suffix],
                handler=task.handler,
                description=f"Step Functions task: {task.suffix}",
                code=args.code,
                role_arn=(self.price_role if task.prices else self.task_role).arn,
                log_group=self.log_groups[task.suffix],
                environment=environments[task.suffix],
                settings=settings,
                parent=self,
                depends_on=[self.price_policy if task.prices else self.task_policy],
            )
            for task in TASK_FUNCTIONS
        }
        function_arns = [function.arn for function in self.functions.values()]

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-state-machine-logs",
            name=f"/aws/vendedlogs/states/{settings.name('registration')}",
            retention_in_days=settings.log_retention_days,
            opts=child,
        )
        self.state_machine_role = aws.iam.Role(
            f"{name}-state-machine-role",
            name=settings.name("sf-state-machine-role"),
            assume_role_policy=iam_policies.service_trust_policy("states.amazonaws.com"),
            opts=child,
        )
        substitutions: dict[str, pulumi.Input[str | int]] = {
            task.placeholder: self.functions[task.suffix].arn for task in TASK_FUNCTIONS
        }
        substitutions["TableName"] = args.table_name
        substitutions["ValidationTimeoutSeconds"] = settings.validation_timeout_seconds
        substitutions["PriceAgentConcurrency"] = settings.price_agent_concurrency
        substitutions["ExecutionTimeoutSeconds"] = settings.durable_execution_timeout_seconds
        self.definition: pulumi.Output[str] = pulumi.Output.all(**substitutions).apply(
            render_definition
        )

        self.state_machine_policy = aws.iam.RolePolicy(
            f"{name}-state-machine-policy",
            name=settings.name("sf-state-machine-policy"),
            role=self.state_machine_role.id,
            policy=iam_policies.policy_document(
                [
                    iam_policies.allow(
                        "InvokeTaskFunctions",
                        ("lambda:InvokeFunction",),
                        [*function_arns, *(iam_policies.qualified_arns(arn) for arn in function_arns)],
                    ),
                    {
                        "Sid": "WriteRegistryTable",
                        "Effect": "Allow",
                        "Action": self.definition.apply(table_actions_of_definition),
                        "Resource": [args.table_arn],
                    },
                    iam_policies.xray_statement(),
                    iam_policies.log_delivery_statement(),
                ]
            ),
            opts=child,
        )
        self.state_machine = aws.sfn.StateMachine(
            f"{name}-state-machine",
            name=settings.name("registration"),
            type="STANDARD",
            role_arn=self.state_machine_role.arn,
            definition=self.definition,
            logging_configuration=aws.sfn.StateMachineLoggingConfigurationArgs(
                log_destination=pulumi.Output.concat(self.log_group.arn, ":*"),
                include_execution_data=True,
                level="ALL",
            ),
            tracing_configuration=aws.sfn.StateMachineTracingConfigurationArgs(enabled=True),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.state_machine_policy]),
        )

        self.state_machine_arn: pulumi.Output[str] = self.state_machine.arn
        self.state_machine_name: pulumi.Output[str] = self.state_machine.name
        self.register_outputs(
            {
                "stateMachineArn": self.state_machine_arn,
                "taskFunctionNames": [function.name for function in self.functions.values()],
            }
        )


def table_actions_of_definition(definition: str) -> list[str]:
    """The DynamoDB actions the workflow's own integrations call, e.g.
    ``arn:aws:states:::dynamodb:putItem`` needs ``dynamodb:PutItem``: the role
    may do exactly what the template does to the table."""
    actions: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            resource = node.get("Resource")
            if isinstance(resource, str) and resource.startswith(_DYNAMODB_INTEGRATION_PREFIX):
                api = resource[len(_DYNAMODB_INTEGRATION_PREFIX):].split(".", 1)[0]
                actions.add(f"dynamodb:{api[:1].upper()}{api[1:]}")
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(json.loads(definition))
    return sorted(actions)
