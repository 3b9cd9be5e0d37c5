"""The Step Functions pattern: a Standard state machine and its six task Lambdas."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
from album_registry.domain.models import WorkflowType
from statemachine.definition import render_definition
from statemachine.task_functions import TASK_FUNCTIONS

from components import iam_policies
from components.python_function import LAMBDA_SERVICE, function_log_group, python_function, service_role
from components.pipeline_args import PipelineArgs

_DYNAMODB_INTEGRATION_PREFIX = "arn:aws:states:::dynamodb:"


class StepFunctionsPipeline(pulumi.ComponentResource):
    """The task Lambdas (one role, and one for the price agent, which alone
    reads the Discogs token's secret), and the state machine built from the ASL
    template with their ARNs, with execution logging and X-Ray tracing. Its role
    invokes exactly those Lambdas and writes exactly the registry table."""

    def __init__(
        self, name: str, args: PipelineArgs, opts: pulumi.ResourceOptions | None = None
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

        task_access = service_role(
            f"{name}-task",
            role_name=settings.name("sf-task-role"),
            policy_name=settings.name("sf-task-policy"),
            service=LAMBDA_SERVICE,
            statements=args.registration_statements(
                [self.log_groups[task.suffix].arn for task in TASK_FUNCTIONS if not task.prices]
            ),
            parent=self,
        )
        # The price agent writes nothing and reads no upload: its logs, its
        # traces and the Discogs token are all it may touch.
        price_access = service_role(
            f"{name}-price",
            role_name=settings.name("sf-price-role"),
            policy_name=settings.name("sf-price-policy"),
            service=LAMBDA_SERVICE,
            statements=[
                iam_policies.log_write_statement([self.log_groups[task.suffix].arn for task in TASK_FUNCTIONS if task.prices]),
                iam_policies.xray_statement(),
                iam_policies.discogs_token_statement(args.discogs_token_secret.arn),
            ],
            parent=self,
        )

        self.functions = {
            task.suffix: python_function(
                f"{name}-{task.suffix}",
                function_name=function_names[task.suffix],
                handler=task.handler,
                description=f"Step Functions task: {task.suffix}",
                code=args.code,
                role_arn=(price_access if task.prices else task_access).role.arn,
                log_group=self.log_groups[task.suffix],
                environment=args.environment(WorkflowType.STEP_FUNCTIONS, service="step-functions-pipeline", prices=task.prices),
                settings=settings,
                parent=self,
                depends_on=[(price_access if task.prices else task_access).policy],
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

        state_machine_access = service_role(
            f"{name}-state-machine",
            role_name=settings.name("sf-state-machine-role"),
            policy_name=settings.name("sf-state-machine-policy"),
            service="states.amazonaws.com",
            statements=[
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
            ],
            parent=self,
        )
        self.state_machine = aws.sfn.StateMachine(
            f"{name}-state-machine",
            name=settings.name("registration"),
            type="STANDARD",
            role_arn=state_machine_access.role.arn,
            definition=self.definition,
            logging_configuration=aws.sfn.StateMachineLoggingConfigurationArgs(
                log_destination=pulumi.Output.concat(self.log_group.arn, ":*"),
                include_execution_data=True,
                level="ALL",
            ),
            tracing_configuration=aws.sfn.StateMachineTracingConfigurationArgs(enabled=True),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[state_machine_access.policy]),
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
