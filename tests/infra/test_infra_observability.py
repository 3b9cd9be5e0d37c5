"""The dashboard puts both patterns side by side; alarms watch failures and DLQs."""

from __future__ import annotations

import json

from components.observability import DURABLE_EXECUTION_METRICS, STEP_FUNCTIONS_EXECUTION_METRICS
from album_registry.constants import METRICS_NAMESPACES
from local_aws.pulumi_program import ProgramRun


def test_dashboard_rows_pair_step_functions_left_with_durable_right(dev_run: ProgramRun) -> None:
    dashboard = dev_run.one("aws:cloudwatch/dashboard:Dashboard").inputs
    assert dashboard["dashboardName"] == "vinyl-dev-comparison"
    widgets = json.loads(dashboard["dashboardBody"])["widgets"]
    rows: dict[int, dict[int, dict]] = {}
    for widget in widgets:
        rows.setdefault(widget["y"], {})[widget["x"]] = widget
    titles = [(row[0]["properties"]["title"], row[12]["properties"]["title"]) for _, row in sorted(rows.items())]
    for left, right in titles[:3]:
        assert left.startswith("Step Functions") and right.startswith("Durable functions")
    body = dashboard["dashboardBody"]
    for metric in (*STEP_FUNCTIONS_EXECUTION_METRICS, *DURABLE_EXECUTION_METRICS, "ExecutionTime", "DurableExecutionDuration"):
        assert f'"{metric}"' in body, metric
    for namespace in METRICS_NAMESPACES.values():
        assert namespace in body
    assert dev_run.exports["stateMachineArn"] in body
    assert "vinyl-dev-durable-pipeline" in body


def test_alarms_watch_failed_executions_of_both_patterns_and_both_dlqs(dev_run: ProgramRun) -> None:
    alarms = {a.inputs["name"]: a.inputs for a in dev_run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert set(alarms) == {
        "vinyl-dev-sf-executions-failed",
        "vinyl-dev-ldf-executions-failed",
        "vinyl-dev-sf-trigger-dlq-depth",
        "vinyl-dev-ldf-trigger-dlq-depth",
    }
    sf = alarms["vinyl-dev-sf-executions-failed"]
    assert (sf["namespace"], sf["metricName"]) == ("AWS/States", "ExecutionsFailed")
    assert sf["dimensions"] == {"StateMachineArn": dev_run.exports["stateMachineArn"]}
    ldf = alarms["vinyl-dev-ldf-executions-failed"]
    assert (ldf["namespace"], ldf["metricName"]) == ("AWS/Lambda", "DurableExecutionFailed")
    assert ldf["dimensions"] == {"FunctionName": "vinyl-dev-durable-pipeline"}
    for queue in ("vinyl-dev-sf-trigger-dlq", "vinyl-dev-ldf-trigger-dlq"):
        dlq = alarms[f"{queue}-depth"]
        assert (dlq["namespace"], dlq["metricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
        assert dlq["dimensions"] == {"QueueName": queue}
    for alarm in alarms.values():
        assert alarm["threshold"] == 1
        assert alarm["comparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_dashboard_url_opens_this_dashboard(dev_run: ProgramRun) -> None:
    url = dev_run.exports["dashboardUrl"]
    assert url.startswith(f"https://{dev_run.region}.console.aws.amazon.com/cloudwatch/")
    assert url.endswith("#dashboards:name=vinyl-dev-comparison")
