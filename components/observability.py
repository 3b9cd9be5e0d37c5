"""A dashboard with both patterns side by side, and alarms on failures and DLQs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws
from album_registry.domain.models import WorkflowType

from album_registry.constants import METRICS_NAMESPACES, VALIDATION_API_METRICS_NAMESPACE

from components.settings import StackSettings

# AWS/States metrics of a state machine, and the AWS/Lambda metrics Lambda
# publishes for the durable executions of a function, in matching order.
STEP_FUNCTIONS_EXECUTION_METRICS = (
    "ExecutionsStarted",
    "ExecutionsSucceeded",
    "ExecutionsFailed",
    "ExecutionsTimedOut",
)
DURABLE_EXECUTION_METRICS = (
    "DurableExecutionStarted",
    "DurableExecutionSucceeded",
    "DurableExecutionFailed",
    "DurableExecutionTimedOut",
)
_WIDGET_WIDTH = 12
_WIDGET_HEIGHT = 6


class ObservabilityArgs:
    def __init__(
        self,
        *,
        settings: StackSettings,
        state_machine_arn: pulumi.Input[str],
        durable_function_name: pulumi.Input[str],
        dead_letter_queue_names: Sequence[pulumi.Input[str]],
    ) -> None:
        self.settings = settings
        self.state_machine_arn = state_machine_arn
        self.durable_function_name = durable_function_name
        self.dead_letter_queue_names = dead_letter_queue_names


class Observability(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("vinyl:index:Observability", name, {}, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        dashboard_name = settings.name("comparison")

        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=dashboard_name,
            dashboard_body=pulumi.Output.json_dumps(
                {
                    "widgets": _widgets(
                        settings,
                        args.state_machine_arn,
                        args.durable_function_name,
                        args.dead_letter_queue_names,
                    )
                }
            ),
            opts=child,
        )

        alarm_common: dict[str, Any] = {
            "comparison_operator": "GreaterThanOrEqualToThreshold",
            "evaluation_periods": 1,
            "period": settings.alarm_period_seconds,
            "treat_missing_data": "notBreaching",
        }
        self.alarms = [
            aws.cloudwatch.MetricAlarm(
                f"{name}-sf-failed-alarm",
                name=settings.name("sf-executions-failed"),
                alarm_description="Step Functions registrations failed",
                namespace="AWS/States",
                metric_name="ExecutionsFailed",
                dimensions={"StateMachineArn": args.state_machine_arn},
                statistic="Sum",
                threshold=settings.failed_executions_alarm_threshold,
                opts=child,
                **alarm_common,
            ),
            aws.cloudwatch.MetricAlarm(
                f"{name}-ldf-failed-alarm",
                name=settings.name("ldf-executions-failed"),
                alarm_description="Durable registrations failed",
                namespace="AWS/Lambda",
                metric_name="DurableExecutionFailed",
                dimensions={"FunctionName": args.durable_function_name},
                statistic="Sum",
                threshold=settings.failed_executions_alarm_threshold,
                opts=child,
                **alarm_common,
            ),
        ]
        for index, queue_name in enumerate(args.dead_letter_queue_names):
            self.alarms.append(
                aws.cloudwatch.MetricAlarm(
                    f"{name}-dlq-{index}-alarm",
                    name=pulumi.Output.concat(queue_name, "-depth"),
                    alarm_description="Upload events a pipeline never received",
                    namespace="AWS/SQS",
                    metric_name="ApproximateNumberOfMessagesVisible",
                    dimensions={"QueueName": queue_name},
                    statistic="Maximum",
                    threshold=settings.dlq_depth_alarm_threshold,
                    opts=child,
                    **alarm_common,
                )
            )

        self.dashboard_url: pulumi.Output[str] = pulumi.Output.concat(
            "https://",
            settings.region,
            ".console.aws.amazon.com/cloudwatch/home?region=",
            settings.region,
            "#dashboards:name=",
            self.dashboard.dashboard_name,
        )
        self.register_outputs(
            {
                "dashboardUrl": self.dashboard_url,
                "alarmNames": [alarm.name for alarm in self.alarms],
            }
        )


def _widgets(
    settings: StackSettings,
    state_machine_arn: pulumi.Input[str],
    durable_function_name: pulumi.Input[str],
    dead_letter_queue_names: Sequence[pulumi.Input[str]],
) -> list[dict[str, Any]]:
    """Rows of two: Step Functions on the left, durable functions on the right."""
    step_functions = METRICS_NAMESPACES[WorkflowType.STEP_FUNCTIONS]
    durable = METRICS_NAMESPACES[WorkflowType.DURABLE_FUNCTIONS]
    sf_dimension = ["StateMachineArn", state_machine_arn]
    ldf_dimension = ["FunctionName", durable_function_name]
    rows = [
        (
            _metric_widget(
                "Step Functions: executions",
                [["AWS/States", metric, *sf_dimension] for metric in STEP_FUNCTIONS_EXECUTION_METRICS],
                settings,
            ),
            _metric_widget(
                "Durable functions: executions",
                [["AWS/Lambda", metric, *ldf_dimension] for metric in DURABLE_EXECUTION_METRICS],
                settings,
            ),
        ),
        (
            _metric_widget(
                "Step Functions: execution duration (ms)",
                [["AWS/States", "ExecutionTime", *sf_dimension, {"stat": "p50"}],
                 ["AWS/States", "ExecutionTime", *sf_dimension, {"stat": "p90"}]],
                settings,
            ),
            _metric_widget(
                "Durable functions: execution duration (ms)",
                [["AWS/Lambda", "DurableExecutionDuration", *ldf_dimension, {"stat": "p50"}],
                 ["AWS/Lambda", "DurableExecutionDuration", *ldf_dimension, {"stat": "p90"}]],
                settings,
            ),
        ),
        (
            _search_widget("Step Functions: custom metrics", step_functions, settings),
            _search_widget("Durable functions: custom metrics", durable, settings),
        ),
        (
            _metric_widget(
                "Trigger dead-letter queues",
                [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue, {"stat": "Maximum"}]
                 for queue in dead_letter_queue_names],
                settings,
            ),
            _search_widget("Validation API: custom metrics", VALIDATION_API_METRICS_NAMESPACE, settings),
        ),
    ]
    widgets: list[dict[str, Any]] = []
    for row_index, (left, right) in enumerate(rows):
        for column, widget in enumerate((left, right)):
            widget.update(
                x=column * _WIDGET_WIDTH,
                y=row_index * _WIDGET_HEIGHT,
                width=_WIDGET_WIDTH,
                height=_WIDGET_HEIGHT,
            )
            widgets.append(widget)
    return widgets


def _metric_widget(title: str, metrics: list[list[Any]], settings: StackSettings) -> dict[str, Any]:
    return {
        "type": "metric",
        "properties": {
            "title": title,
            "region": settings.region,
            "metrics": metrics,
            "stat": "Sum",
            "period": settings.alarm_period_seconds,
            "view": "timeSeries",
        },
    }


def _search_widget(title: str, namespace: str, settings: StackSettings) -> dict[str, Any]:
    """Every metric the pattern's code publishes, whatever its name."""
    return {
        "type": "metric",
        "properties": {
            "title": title,
            "region": settings.region,
            "metrics": [
                [
                    {
                        "expression": f"SEARCH('Namespace=\"{namespace}\"', 'Sum', {settings.alarm_period_seconds})",
                        "id": "custom",
                    }
                ]
            ],
            "view": "timeSeries",
        },
    }
