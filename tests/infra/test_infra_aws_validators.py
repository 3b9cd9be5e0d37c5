"""The deploy checks that know AWS: every committed stack passes them, and each catches what it is for.

The checks are product code (``albums.deploy_check``); these tests run them on
the real program under mocks with the shipped stack files, then feed each one
an input it must refuse.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections import Counter
from typing import Any

import pytest

from albums.deploy_check import (
    Finding,
    PolicyDocument,
    asl_findings,
    non_arn_resources,
    policy_documents,
    program_findings,
    unknown_actions,
    wildcard_actions,
)
from albums.deploy_check.program_check import STATE_MACHINE_TYPE
from local_aws.pulumi_program import ProgramRun
from components.iam_policies import LOG_DELIVERY_SID, XRAY_SID, allow

RUNS = ["dev_run", "bench_run", "assumed_role_run"]
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TABLE_ARN = "arn:aws:dynamodb:us-east-2:123456789012:table/vinyl-dev-albums"
# What a policy holds when the program formats an Output with an f-string instead of Output.concat.
UNRESOLVED_OUTPUT = "Calling __str__ on an Output[T] is not supported.\n\nTo get the value of an Output[T]"


def _role_policy(*statements: dict[str, Any]) -> PolicyDocument:
    return PolicyDocument(ROLE_POLICY, "bad-policy", "policy", {"Version": "2012-10-17", "Statement": list(statements)})


def _where(sid: str) -> str:
    return f"{ROLE_POLICY} 'bad-policy' policy statement {sid!r}"


def _definition(run: ProgramRun) -> dict[str, Any]:
    return json.loads(run.one(STATE_MACHINE_TYPE).inputs["definition"])


# --- The program as shipped -------------------------------------------------


@pytest.mark.parametrize("run_name", RUNS)
def test_every_stack_passes_every_deploy_check(run_name: str, request: pytest.FixtureRequest) -> None:
    run: ProgramRun = request.getfixturevalue(run_name)
    findings = program_findings(run)
    assert findings == [], "\n".join(str(finding) for finding in findings)


@pytest.mark.parametrize("run_name", RUNS)
def test_the_checks_see_every_policy_document_of_the_program(run_name: str, request: pytest.FixtureRequest) -> None:
    run: ProgramRun = request.getfixturevalue(run_name)
    documents = policy_documents(run)
    by_kind = Counter((document.kind, document.resource_type, document.input_name) for document in documents)
    assert by_kind == {
        ("identity", ROLE_POLICY, "policy"): len(run.of_type(ROLE_POLICY)),
        ("trust", "aws:iam/role:Role", "assumeRolePolicy"): len(run.of_type("aws:iam/role:Role")),
        ("resource", "aws:sqs/queuePolicy:QueuePolicy", "policy"): 2,
    }
    # Seven for the registry (the price agent and the run endings have their own),
    # one per durable example (the seed's two and the shape bench's no-op steps).
    assert len(run.of_type(ROLE_POLICY)) == 10


# --- Unknown actions ----------------------------------------------------------


def test_a_transaction_action_added_to_the_programs_table_grant_is_reported(dev_run: ProgramRun) -> None:
    (document,) = [d for d in policy_documents(dev_run) if d.resource_name == "durable-policy"]
    broken = copy.deepcopy(document.document)
    (table_grant,) = [s for s in broken["Statement"] if s["Sid"] == "RegistryTable"]
    table_grant["Action"].append("dynamodb:TransactWriteItems")
    assert unknown_actions([dataclasses.replace(document, document=broken)]) == [
        Finding(
            "grants 'dynamodb:TransactWriteItems', which is not an action of 'dynamodb'",
            f"{ROLE_POLICY} 'durable-policy' policy statement 'RegistryTable'",
        )
    ]


@pytest.mark.parametrize(
    ("action", "problem"),
    [
        ("dynamodb:TransactGetItems", "grants 'dynamodb:TransactGetItems', which is not an action of 'dynamodb'"),
        ("dynamodb:Transact*", "grants 'dynamodb:Transact*', which is not an action of 'dynamodb'"),
        ("states:SendTaskToken", "grants 'states:SendTaskToken', which is not an action of 'states'"),
        (
            "stepfunctions:StartExecution",
            "action 'stepfunctions:StartExecution' names the service 'stepfunctions', which IAM does not have",
        ),
        ("PutItem", "action 'PutItem' is not of the form service:Action"),
    ],
)
def test_an_action_iam_does_not_have_is_reported(action: str, problem: str) -> None:
    document = _role_policy(allow("Table", ["dynamodb:GetItem", action], [TABLE_ARN]))
    assert unknown_actions([document]) == [Finding(problem, _where("Table"))]


@pytest.mark.parametrize(
    "action",
    [
        "dynamodb:ConditionCheckItem",
        "dynamodb:putitem",  # IAM compares actions without case
        "lambda:CheckpointDurableExecution",
        "lambda:SendDurableExecutionCallbackHeartbeat",
        "states:SendTaskSuccess",
        "s3:GetObjectVer*",  # a wildcard that matches real actions is known; wildcard_actions reports it
    ],
)
def test_a_real_action_is_known(action: str) -> None:
    assert unknown_actions([_role_policy(allow("Real", [action], [TABLE_ARN]))]) == []


# --- Wildcard actions -------------------------------------------------------


@pytest.mark.parametrize("action", ["s3:*", "logs:Create*", "s3:GetObjec?", "*"])
def test_a_wildcard_action_is_reported(action: str) -> None:
    document = _role_policy(allow("Broad", ["s3:GetObject", action], ["arn:aws:s3:::bucket/*"]))
    assert wildcard_actions([document]) == [
        Finding(f"grants the wildcard action {action!r}: name each action", _where("Broad"))
    ]


# --- Resources --------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "problem"),
    [
        ("vinyl-dev-albums", "resource 'vinyl-dev-albums' is not an ARN"),
        ("arn:aws:dynamodb:us-east-2", "resource 'arn:aws:dynamodb:us-east-2' is not an ARN"),
        (UNRESOLVED_OUTPUT, f"resource {UNRESOLVED_OUTPUT!r} is not an ARN"),
        (
            "*",
            "grants on every resource ('*'), and Sid 'Table' is not one of the exceptions "
            f"({', '.join(sorted([LOG_DELIVERY_SID, XRAY_SID]))})",
        ),
    ],
)
def test_a_resource_that_is_not_an_arn_is_reported(resource: str, problem: str) -> None:
    document = _role_policy(allow("Table", ["dynamodb:GetItem"], [TABLE_ARN, resource]))
    assert non_arn_resources([document]) == [Finding(problem, _where("Table"))]


def test_the_documented_exceptions_may_grant_on_every_resource() -> None:
    exceptions = [allow(sid, ["xray:PutTraceSegments"], ["*"]) for sid in (XRAY_SID, LOG_DELIVERY_SID)]
    assert non_arn_resources([_role_policy(*exceptions)]) == []


def test_a_grant_without_a_resource_is_reported() -> None:
    document = _role_policy({"Sid": "Table", "Effect": "Allow", "Action": ["dynamodb:GetItem"]})
    assert non_arn_resources([document]) == [Finding("grants without a Resource", _where("Table"))]


def test_a_queue_policy_on_a_queue_name_is_reported(dev_run: ProgramRun) -> None:
    (document, _) = [d for d in policy_documents(dev_run) if d.kind == "resource"]
    broken = copy.deepcopy(document.document)
    broken["Statement"][0]["Resource"] = "vinyl-dev-sf-trigger-dlq"
    assert non_arn_resources([dataclasses.replace(document, document=broken)]) == [
        Finding(
            "resource 'vinyl-dev-sf-trigger-dlq' is not an ARN",
            f"{document.where} statement 'EventBridgeDeadLetters'",
        )
    ]


def test_a_trust_policy_with_a_resource_is_reported(dev_run: ProgramRun) -> None:
    (document,) = [d for d in policy_documents(dev_run) if d.resource_name == "durable-role"]
    broken = copy.deepcopy(document.document)
    broken["Statement"][0]["Resource"] = "*"
    assert non_arn_resources([dataclasses.replace(document, document=broken)]) == [
        Finding("a trust policy takes no Resource", "aws:iam/role:Role 'durable-role' assumeRolePolicy statement #0")
    ]


# --- The state machine definition -------------------------------------------


def test_a_task_without_resource_and_an_unknown_state_type_break_the_schema(dev_run: ProgramRun) -> None:
    definition = _definition(dev_run)
    del definition["States"]["ProcessImage"]["Resource"]
    definition["States"]["UploadRejected"]["Type"] = "Explode"
    findings = asl_findings(json.dumps(definition))
    assert sorted(findings, key=lambda finding: finding.where) == [
        Finding("'Resource' is a required property", "definition/States/ProcessImage"),
        Finding(
            "'Explode' is not one of ['Pass', 'Task', 'Wait', 'Choice', 'Succeed', 'Fail', 'Parallel', 'Map']",
            "definition/States/UploadRejected/Type",
        ),
    ]


def test_a_broken_state_inside_a_parallel_branchs_map_is_found(dev_run: ProgramRun) -> None:
    definition = _definition(dev_run)
    store_albums = definition["States"]["StoreInitialData"]["Branches"][0]["States"]["StoreAlbums"]
    store_albums["ItemProcessor"]["States"]["PutAlbum"]["TimeoutSeconds"] = "soon"
    (finding,) = asl_findings(json.dumps(definition))
    assert finding.where == (
        "definition/States/StoreInitialData/Branches/0/States/StoreAlbums/ItemProcessor/States/PutAlbum/TimeoutSeconds"
    )
    assert "'soon'" in finding.what


def test_a_start_at_naming_no_state_breaks_the_schema(dev_run: ProgramRun) -> None:
    definition = _definition(dev_run)
    definition["StartAt"] = "Nowhere"
    assert asl_findings(json.dumps(definition)) == [
        Finding("Missing 'Next' target 'Nowhere' at /StartAt", "definition/StartAt")
    ]


def test_a_definition_that_is_not_json_is_reported() -> None:
    (finding,) = asl_findings('{"StartAt": "A", ')
    assert finding.where == "definition"
    assert finding.what.startswith("is not JSON: ")


# --- Both, on a program run -------------------------------------------------


def test_program_findings_name_the_resource_that_holds_each_problem(dev_run: ProgramRun) -> None:
    def broken(resource: Any) -> Any:
        if resource.name == "trigger-events-policy":
            document = json.loads(resource.inputs["policy"])
            document["Statement"][0]["Action"] = ["states:*"]
            return dataclasses.replace(resource, inputs={**resource.inputs, "policy": json.dumps(document)})
        if resource.type == STATE_MACHINE_TYPE:
            definition = json.loads(resource.inputs["definition"])
            del definition["States"]["CompleteExecution"]["Resource"]
            return dataclasses.replace(resource, inputs={**resource.inputs, "definition": json.dumps(definition)})
        return resource

    run = dataclasses.replace(dev_run, resources=[broken(resource) for resource in dev_run.resources])
    assert [str(finding) for finding in program_findings(run)] == [
        f"{ROLE_POLICY} 'trigger-events-policy' policy statement 'StartRegistration': "
        "grants the wildcard action 'states:*': name each action",
        f"{STATE_MACHINE_TYPE} 'step-functions-state-machine' definition/States/CompleteExecution: "
        "'Resource' is a required property",
    ]
