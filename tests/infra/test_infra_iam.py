"""IAM: every resource this stack's own, each grant exactly what its holder needs.

Whether the actions exist, and the no-wildcard-action and ARN-resource rules,
are the deploy checks' job: see test_infra_aws_validators.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from components.iam_policies import (
    DURABLE_CALLBACK_ACTIONS,
    DURABLE_EXECUTION_ACTIONS,
    TASK_TOKEN_ACTIONS,
    UNSCOPED_STATEMENT_SIDS,
)
from components.settings import bedrock_model_arns
from statemachine.definition import TEMPLATE_PATH
from albums.deploy_check import policy_documents
from local_aws.provisioning import LOCAL_PROJECT_CONFIG, LOCAL_STACK_NAME
from local_aws.pulumi_program import PROJECT, ProgramRun, run_program, stack_file_config

BEDROCK_SID = "InvokeVisionModel"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(run: ProgramRun) -> list[tuple[str, dict[str, Any]]]:
    """The statements that grant (role and queue policies), by the name of the resource holding each."""
    return [
        (document.resource_name, statement)
        for document in policy_documents(run)
        if document.kind != "trust"
        for _, statement in document.statements()
    ]


def _statement(run: ProgramRun, policy_suffix: str, sid: str) -> dict[str, Any]:
    policy = run.one("aws:iam/rolePolicy:RolePolicy", policy_suffix)
    matches = [s for s in json.loads(policy.inputs["policy"])["Statement"] if s.get("Sid") == sid]
    assert len(matches) == 1, f"{policy.name} has {len(matches)} statements {sid}"
    return matches[0]


def _function_arn(run: ProgramRun, function_name: str) -> str:
    return f"arn:aws:lambda:{run.region}:{run.account_id}:function:{function_name}"


@pytest.mark.parametrize("run_name", ["dev_run", "bench_run", "assumed_role_run"])
def test_every_resource_is_one_of_this_stacks_resources(run_name: str, request: pytest.FixtureRequest) -> None:
    run: ProgramRun = request.getfixturevalue(run_name)
    own_name = f"vinyl-{run.stack}-"
    for policy_name, statement in _statements(run):
        sid = statement.get("Sid")
        resources = _as_list(statement["Resource"])
        if sid in UNSCOPED_STATEMENT_SIDS:
            assert resources == ["*"], policy_name
            continue
        if sid == BEDROCK_SID:
            model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
            assert resources == bedrock_model_arns(model, run.region, run.account_id)
            continue
        for resource in resources:
            scoped_part = resource.split("*", 1)[0]
            assert own_name in scoped_part, f"{policy_name}/{sid}: {resource}"
            assert run.account_id in scoped_part, f"{policy_name}/{sid}: {resource}"


def test_unscoped_statements_are_only_xray_and_log_delivery(dev_run: ProgramRun) -> None:
    unscoped = [(name, s) for name, s in _statements(dev_run) if "*" in _as_list(s["Resource"])]
    assert {s["Sid"] for _, s in unscoped} == set(UNSCOPED_STATEMENT_SIDS)
    for name, statement in unscoped:
        prefix = "xray:" if statement["Sid"] == "XRayWrite" else "logs:"
        assert all(action.startswith(prefix) for action in statement["Action"]), name
    # Only the state machine's role needs vended log delivery (for its execution log).
    holders = [name for name, s in unscoped if s["Sid"] == "VendedLogDelivery"]
    assert holders == ["step-functions-state-machine-policy"]


def test_durable_function_checkpoints_only_on_its_qualified_arns(dev_run: ProgramRun) -> None:
    statement = _statement(dev_run, "durable-policy", "DurableExecution")
    assert statement["Action"] == list(DURABLE_EXECUTION_ACTIONS)
    assert statement["Resource"] == [f"{_function_arn(dev_run, 'vinyl-dev-durable-pipeline')}:*"]


def test_validation_api_answers_only_this_state_machine_and_this_durable_function(dev_run: ProgramRun) -> None:
    tokens = _statement(dev_run, "validation-api-policy", "AnswerTaskTokens")
    assert tokens["Action"] == list(TASK_TOKEN_ACTIONS)
    assert tokens["Resource"] == [dev_run.exports["stateMachineArn"]]
    callbacks = _statement(dev_run, "validation-api-policy", "AnswerDurableCallbacks")
    assert callbacks["Action"] == list(DURABLE_CALLBACK_ACTIONS)
    assert callbacks["Resource"] == [f"{_function_arn(dev_run, 'vinyl-dev-durable-pipeline')}:*"]


def test_state_machine_invokes_exactly_its_task_functions(dev_run: ProgramRun) -> None:
    statement = _statement(dev_run, "state-machine-policy", "InvokeTaskFunctions")
    task_arns = sorted(
        _function_arn(dev_run, f.inputs["name"])
        for f in dev_run.of_type("aws:lambda/function:Function")
        if f.parent_type == "vinyl:index:StepFunctionsPipeline"
    )
    assert len(task_arns) == 6
    assert sorted(statement["Resource"]) == sorted(task_arns + [f"{arn}:*" for arn in task_arns])
    assert statement["Action"] == ["lambda:InvokeFunction"]


def test_state_machine_writes_the_table_with_exactly_the_templates_integrations(dev_run: ProgramRun) -> None:
    template = TEMPLATE_PATH.read_text(encoding="utf-8")
    used = {f"dynamodb:{api[0].upper()}{api[1:]}" for api in re.findall(r"arn:aws:states:::dynamodb:(\w+)", template)}
    statement = _statement(dev_run, "state-machine-policy", "WriteRegistryTable")
    assert set(statement["Action"]) == used and used
    table = f"arn:aws:dynamodb:{dev_run.region}:{dev_run.account_id}:table/vinyl-dev-albums"
    assert statement["Resource"] == [table]


@pytest.mark.parametrize("run_name", ["dev_run", "assumed_role_run"])
def test_bedrock_is_granted_on_the_configured_model_to_the_pipelines_only(
    run_name: str, request: pytest.FixtureRequest
) -> None:
    run: ProgramRun = request.getfixturevalue(run_name)
    granted = {name: s for name, s in _statements(run) if s.get("Sid") == BEDROCK_SID}
    assert sorted(granted) == ["durable-policy", "step-functions-task-policy"]
    model_id = stack_file_config(run.stack)[f"{PROJECT}:bedrockModelId"]
    for statement in granted.values():
        assert statement["Action"] == ["bedrock:InvokeModel"]
        assert statement["Resource"] == bedrock_model_arns(model_id, run.region, run.account_id)


def test_the_local_stack_grants_bedrock_as_aws_does() -> None:
    """Locally too the functions read covers through Bedrock (the stack answers it): same grants."""
    local = run_program(LOCAL_STACK_NAME, dict(LOCAL_PROJECT_CONFIG))
    granted = sorted(name for name, s in _statements(local) if s.get("Sid") == BEDROCK_SID)
    assert granted == ["durable-policy", "step-functions-task-policy"]


def test_roles_trust_only_their_service(dev_run: ProgramRun) -> None:
    expected = {
        "step-functions-task-role": "lambda.amazonaws.com",
        "step-functions-price-role": "lambda.amazonaws.com",
        "step-functions-state-machine-role": "states.amazonaws.com",
        "durable-role": "lambda.amazonaws.com",
        "validation-api-role": "lambda.amazonaws.com",
        "run-endings-role": "lambda.amazonaws.com",
        "durable-examples-minimal-role": "lambda.amazonaws.com",
        "durable-examples-steps-role": "lambda.amazonaws.com",
        "durable-examples-showcase-role": "lambda.amazonaws.com",
        "trigger-events-role": "events.amazonaws.com",
    }
    roles = {r.name: json.loads(r.inputs["assumeRolePolicy"]) for r in dev_run.of_type("aws:iam/role:Role")}
    assert set(roles) == set(expected)
    for name, document in roles.items():
        assert document["Statement"] == [
            {"Effect": "Allow", "Principal": {"Service": expected[name]}, "Action": "sts:AssumeRole"}
        ]


def test_dead_letter_queues_accept_only_this_rule(dev_run: ProgramRun) -> None:
    rule_arn = f"arn:aws:events:{dev_run.region}:{dev_run.account_id}:rule/vinyl-dev-uploads"
    policies = dev_run.of_type("aws:sqs/queuePolicy:QueuePolicy")
    assert len(policies) == 2
    for policy in policies:
        (statement,) = json.loads(policy.inputs["policy"])["Statement"]
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert statement["Action"] == "sqs:SendMessage"
        assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": rule_arn}}
