"""Both pipelines: Lambda settings, durable config, the rendered state machine."""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest

from album_registry import constants
from album_registry.domain.models import WorkflowType
from album_registry.constants import METRICS_NAMESPACES, VALIDATION_API_METRICS_NAMESPACE
from statemachine.definition import PLACEHOLDERS, load_template
from local_aws.pulumi_program import PROJECT, ProgramRun, run_program, stack_file_config

TASK_HANDLERS = {
    f"album_registry.handlers.step_functions_tasks.{name}_handler"
    for name in (
        "prepare_execution",
        "process_image",
        "open_validation",
        "apply_validation",
        "estimate_price",
        "complete_execution",
    )
}
DURABLE_HANDLER = "album_registry.handlers.durable_pipeline.handler"
VALIDATION_HANDLER = "album_registry.handlers.validation_api.handler"
RUN_ENDINGS_HANDLER = "album_registry.handlers.run_endings.handler"


def _functions(run: ProgramRun) -> dict[str, Any]:
    """The registry's functions (the seed's durable examples are tested apart)."""
    return {
        f.inputs["name"]: f
        for f in run.of_type("aws:lambda/function:Function")
        if f.inputs["handler"].startswith("album_registry.")
    }


def test_every_handler_is_deployed_once(dev_run: ProgramRun) -> None:
    handlers = sorted(f.inputs["handler"] for f in _functions(dev_run).values())
    assert handlers == sorted([*TASK_HANDLERS, DURABLE_HANDLER, VALIDATION_HANDLER, RUN_ENDINGS_HANDLER])


def test_every_function_runs_python_313_on_arm64_with_xray_and_json_logs(dev_run: ProgramRun) -> None:
    log_groups = {g.inputs["name"] for g in dev_run.of_type("aws:cloudwatch/logGroup:LogGroup")}
    for name, function in _functions(dev_run).items():
        inputs = function.inputs
        assert name.startswith("vinyl-dev-")
        assert inputs["runtime"] == "python3.13"
        assert inputs["architectures"] == ["arm64"]
        assert inputs["tracingConfig"] == {"mode": "Active"}
        assert inputs["loggingConfig"]["logFormat"] == "JSON"
        assert inputs["loggingConfig"]["logGroup"] == f"/aws/lambda/{name}"
        assert f"/aws/lambda/{name}" in log_groups


def test_log_groups_keep_the_configured_retention(dev_run: ProgramRun, bench_run: ProgramRun) -> None:
    assert {g.inputs["retentionInDays"] for g in dev_run.of_type("aws:cloudwatch/logGroup:LogGroup")} == {14}
    assert {g.inputs["retentionInDays"] for g in bench_run.of_type("aws:cloudwatch/logGroup:LogGroup")} == {7}


def test_environments_come_from_the_constants(dev_run: ProgramRun) -> None:
    functions = _functions(dev_run)
    common = {
        constants.TABLE_NAME_ENV: "vinyl-dev-albums",
        constants.BUCKET_NAME_ENV: dev_run.exports["bucketName"],
        constants.BEDROCK_MODEL_ID_ENV: constants.DEFAULT_BEDROCK_MODEL_ID,
        constants.VALIDATION_TIMEOUT_SECONDS_ENV: "3600",
        constants.PRICE_AGENT_CONCURRENCY_ENV: "6",
    }
    for name, function in functions.items():
        variables = function.inputs["environment"]["variables"]
        assert {key: variables[key] for key in common} == common, name
        if function.inputs["handler"] in TASK_HANDLERS:
            assert variables[constants.WORKFLOW_TYPE_ENV] == WorkflowType.STEP_FUNCTIONS.value
            assert variables[constants.POWERTOOLS_METRICS_NAMESPACE_ENV] == METRICS_NAMESPACES[WorkflowType.STEP_FUNCTIONS]
    durable = functions["vinyl-dev-durable-pipeline"].inputs["environment"]["variables"]
    assert durable[constants.WORKFLOW_TYPE_ENV] == WorkflowType.DURABLE_FUNCTIONS.value
    assert durable[constants.POWERTOOLS_METRICS_NAMESPACE_ENV] == METRICS_NAMESPACES[WorkflowType.DURABLE_FUNCTIONS]
    api = functions["vinyl-dev-validation-api"].inputs["environment"]["variables"]
    assert constants.WORKFLOW_TYPE_ENV not in api
    assert api[constants.STATE_MACHINE_ARN_ENV] == dev_run.exports["stateMachineArn"]
    assert api[constants.DURABLE_FUNCTION_ARN_ENV] == dev_run.exports["durableFunctionAliasArn"]
    assert api[constants.POWERTOOLS_METRICS_NAMESPACE_ENV] == VALIDATION_API_METRICS_NAMESPACE


@pytest.mark.parametrize("run_name", ["dev_run", "bench_run"])
def test_durable_function_outlives_the_validation_timeout(run_name: str, request: pytest.FixtureRequest) -> None:
    run: ProgramRun = request.getfixturevalue(run_name)
    function = _functions(run)[f"vinyl-{run.stack}-durable-pipeline"].inputs
    validation_timeout = int(function["environment"]["variables"][constants.VALIDATION_TIMEOUT_SECONDS_ENV])
    durable = function["durableConfig"]
    assert durable["executionTimeout"] > validation_timeout
    assert 1 <= durable["retentionPeriod"] <= 90
    assert function["publish"] is True


def test_durable_config_follows_the_stack(dev_run: ProgramRun, bench_run: ProgramRun) -> None:
    dev = _functions(dev_run)["vinyl-dev-durable-pipeline"].inputs["durableConfig"]
    bench = _functions(bench_run)["vinyl-bench-durable-pipeline"].inputs["durableConfig"]
    assert dev == {"executionTimeout": 86400, "retentionPeriod": 14}
    assert bench == {"executionTimeout": 3600, "retentionPeriod": 7}


def test_only_the_durable_function_is_durable_and_published(dev_run: ProgramRun) -> None:
    durable = [name for name, f in _functions(dev_run).items() if f.inputs.get("durableConfig")]
    published = [name for name, f in _functions(dev_run).items() if f.inputs.get("publish")]
    assert durable == published == ["vinyl-dev-durable-pipeline"]


def test_alias_points_at_the_published_version(dev_run: ProgramRun) -> None:
    alias = dev_run.one("aws:lambda/alias:Alias", "durable-alias").inputs
    assert alias == {"name": "live", "functionName": "vinyl-dev-durable-pipeline", "functionVersion": "1"}
    assert dev_run.exports["durableFunctionAliasArn"].endswith(":function:vinyl-dev-durable-pipeline:live")


def test_validation_api_url_requires_iam(dev_run: ProgramRun) -> None:
    url = dev_run.one("aws:lambda/functionUrl:FunctionUrl").inputs
    assert url["authorizationType"] == "AWS_IAM"
    assert url["functionName"] == "vinyl-dev-validation-api"


def test_state_machine_is_standard_with_logging_and_tracing(dev_run: ProgramRun) -> None:
    machine = dev_run.one("aws:sfn/stateMachine:StateMachine").inputs
    assert machine["type"] == "STANDARD"
    assert machine["name"] == "vinyl-dev-registration"
    assert machine["tracingConfiguration"] == {"enabled": True}
    logging = machine["loggingConfiguration"]
    assert logging["level"] == "ALL"
    assert logging["logDestination"] == (
        f"arn:aws:logs:{dev_run.region}:{dev_run.account_id}:log-group:"
        "/aws/vendedlogs/states/vinyl-dev-registration:*"
    )


def _resources(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["Resource"]] if isinstance(node.get("Resource"), str) else []
        return found + [r for value in node.values() for r in _resources(value)]
    if isinstance(node, list):
        return [r for value in node for r in _resources(value)]
    return []


def test_rendered_definition_is_the_template_with_real_arns(dev_run: ProgramRun) -> None:
    text = dev_run.one("aws:sfn/stateMachine:StateMachine").inputs["definition"]
    definition = json.loads(text)
    assert "${" not in text
    template = load_template()
    assert definition["StartAt"] == template["StartAt"]
    assert set(definition["States"]) == set(template["States"])
    resources = _resources(definition)
    assert len(resources) == len(_resources(template)) and resources
    task_arns = {
        f"arn:aws:lambda:{dev_run.region}:{dev_run.account_id}:function:{f.inputs['name']}"
        for f in dev_run.of_type("aws:lambda/function:Function")
        if f.inputs["handler"] in TASK_HANDLERS
    }
    for resource in resources:
        assert resource.startswith("arn:aws:"), resource
        if resource.startswith("arn:aws:lambda:"):
            assert resource in task_arns
    # Every task function appears somewhere in the workflow (as Resource or FunctionName).
    assert all(arn in text for arn in task_arns)
    assert '"vinyl-dev-albums"' in text
    assert len(PLACEHOLDERS) == 10


def test_rendered_definition_carries_the_stack_numbers(bench_run: ProgramRun) -> None:
    text = bench_run.one("aws:sfn/stateMachine:StateMachine").inputs["definition"]
    numbers = _numbers_for(json.loads(text), ("TimeoutSeconds", "MaxConcurrency"))
    assert numbers["TimeoutSeconds"] >= {900}
    assert numbers["MaxConcurrency"] == {6}


def _numbers_for(node: Any, keys: tuple[str, ...]) -> dict[str, set[Any]]:
    found: dict[str, set[Any]] = {key: set() for key in keys}

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                if key in found and not isinstance(child, (dict, list)):
                    found[key].add(child)
                visit(child)
        elif isinstance(value, list):
            for child in value:
                visit(child)

    visit(node)
    return found


def test_a_chaos_runs_fault_plan_reaches_the_step_functions_and_no_other() -> None:
    plan = json.dumps({"vision_unavailable_calls": 2, "price_failing_albums": [3]})
    config = stack_file_config("dev")
    config[f"{PROJECT}:faultInjection"] = plan
    functions = _functions(run_program("dev", config))
    carrying = {name for name, f in functions.items() if constants.FAULT_INJECTION_ENV in f.inputs["environment"]["variables"]}
    steps = {name for name, f in functions.items() if f.inputs["handler"] in TASK_HANDLERS or name.endswith("-durable-pipeline")}
    assert carrying == steps and len(steps) == 7
    assert {functions[name].inputs["environment"]["variables"][constants.FAULT_INJECTION_ENV] for name in steps} == {plan}


def test_stack_files_as_shipped_inject_no_fault(dev_run: ProgramRun) -> None:
    for name, function in _functions(dev_run).items():
        assert constants.FAULT_INJECTION_ENV not in function.inputs["environment"]["variables"], name


@pytest.mark.parametrize(
    ("plan", "named"),
    [('{"vision_unavailable_calls": "often"}', "vision_unavailable_calls"), ('{"no_such_fault": 1}', "no_such_fault"), ("not json", "the plan")],
)
def test_a_fault_plan_that_does_not_parse_is_refused_naming_the_problem(plan: str, named: str) -> None:
    config = stack_file_config("dev")
    config[f"{PROJECT}:faultInjection"] = plan
    with pytest.raises(pydantic.ValidationError, match="faultInjection is not a fault plan") as refused:
        run_program("dev", config)
    assert named in str(refused.value)
