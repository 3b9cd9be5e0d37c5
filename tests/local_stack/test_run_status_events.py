"""Which runs the stack's status-change watcher follows (local_aws/run_status_events.py):
those whose ends the program's rules can match, and no others."""

from __future__ import annotations

from typing import Any

import pytest

from album_registry.handlers.run_endings import DURABLE_STATUS_CHANGE, STEP_FUNCTIONS_STATUS_CHANGE
from components.run_endings import durable_ending_pattern, step_functions_ending_pattern
from local_aws.lambda_runtime import ACCOUNT_ID, REGION
from local_aws.provisioner import LocalDeployment
from local_aws.provisioning import LOCAL_PROJECT_CONFIG, LOCAL_STACK_NAME
from local_aws.pulumi_program import run_program
from local_aws.run_status_events import followed_durable_functions, followed_state_machines

DURABLE_FUNCTIONS = ["vinyl-local-durable-example-steps", "vinyl-local-durable-pipeline", "vinyl-local-durable-pipe"]


def state_machine_arn(name: str) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{name}"


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"


STATE_MACHINES = [state_machine_arn("vinyl-local-registration"), state_machine_arn("vinyl-local-shape-10")]


def test_the_program_s_rules_follow_the_pipelines_and_nothing_else() -> None:
    deployment = LocalDeployment(program=run_program(LOCAL_STACK_NAME, LOCAL_PROJECT_CONFIG))
    durable = [r.inputs["name"] for r in deployment.program.resources if r.inputs.get("durableConfig")]
    machines = [
        state_machine_arn(r.inputs["name"])
        for r in deployment.program.resources
        if r.type == "aws:sfn/stateMachine:StateMachine"
    ]
    assert len(durable) > 1

    assert followed_durable_functions(deployment.event_patterns, durable) == ["vinyl-local-durable-pipeline"]
    assert followed_state_machines(deployment.event_patterns, [*machines, STATE_MACHINES[1]]) == [
        state_machine_arn("vinyl-local-registration")
    ]


def test_a_rule_naming_one_function_follows_only_that_function() -> None:
    patterns = [durable_ending_pattern(function_arn("vinyl-local-durable-pipeline"))]

    # "vinyl-local-durable-pipe" is a prefix of the named function's name, not that function.
    assert followed_durable_functions(patterns, DURABLE_FUNCTIONS) == ["vinyl-local-durable-pipeline"]
    assert followed_state_machines(patterns, STATE_MACHINES) == []


def test_a_rule_naming_one_state_machine_follows_only_that_machine() -> None:
    patterns = [step_functions_ending_pattern(STATE_MACHINES[0])]

    assert followed_state_machines(patterns, STATE_MACHINES) == STATE_MACHINES[:1]
    assert followed_durable_functions(patterns, DURABLE_FUNCTIONS) == []


@pytest.mark.parametrize(
    "pattern",
    [
        {"detail-type": [STEP_FUNCTIONS_STATUS_CHANGE, DURABLE_STATUS_CHANGE], "detail": {"status": ["FAILED"]}},
        {"source": ["aws.states", "aws.lambda"]},
        {
            "detail-type": [STEP_FUNCTIONS_STATUS_CHANGE, DURABLE_STATUS_CHANGE],
            "detail": {
                "stateMachineArn": [{"anything-but": STATE_MACHINES[1]}],
                "functionArn": [{"wildcard": "*:function:*"}],
            },
        },
    ],
    ids=["no-arn-named", "no-detail-type", "other-matchers"],
)
def test_a_rule_that_does_not_narrow_by_arn_follows_every_run(pattern: dict[str, Any]) -> None:
    assert followed_state_machines([pattern], STATE_MACHINES) == STATE_MACHINES
    assert followed_durable_functions([pattern], DURABLE_FUNCTIONS) == DURABLE_FUNCTIONS


def test_a_prefix_shorter_than_a_function_s_arn_follows_every_function_it_covers() -> None:
    patterns = [{"detail-type": [DURABLE_STATUS_CHANGE], "detail": {"functionArn": [{"prefix": function_arn("vinyl-local-durable-p")}]}}]

    assert followed_durable_functions(patterns, DURABLE_FUNCTIONS) == DURABLE_FUNCTIONS[1:]
