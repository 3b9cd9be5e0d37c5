"""The two names of a durable execution: AWS's ARN outside, the local runner's inside."""

from __future__ import annotations

import json
import re
from pathlib import Path

import botocore.session

from local_aws.durable_arns import DurableExecutionArn, DurableExecutionArns

ARN_PATTERN = botocore.session.get_session().get_service_model("lambda").shape_for("DurableExecutionArn").metadata["pattern"]
RUNNER_RANDOM = "0b6c7e1c-1d8a-4b8e-9f3e-2f1a5c9d7e40"


def runner_name(arn: DurableExecutionArn) -> str:
    """What the runner calls an execution started with ``InvocationId`` = the ARN's id."""
    return f"{RUNNER_RANDOM}/{arn.execution_id}"


def test_an_arn_has_lambdas_shape_and_parses_back() -> None:
    arn = DurableExecutionArn.new("vinyl-local-durable-pipeline", "1", "upload-7")
    assert re.fullmatch(ARN_PATTERN, str(arn))
    assert str(arn).startswith("arn:aws:lambda:us-east-1:123456789012:function:vinyl-local-durable-pipeline:1/durable-execution/upload-7/")
    assert DurableExecutionArn.parse(str(arn)) == arn
    assert DurableExecutionArn.parse(str(DurableExecutionArn.new("f", "$LATEST", "n"))).version == "$LATEST"
    assert DurableExecutionArn.parse(str(arn).replace("us-east-1", "eu-west-1")) is None
    assert DurableExecutionArn.parse(runner_name(arn)) is None


def test_the_runners_names_become_arns_and_back_and_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "arns.sqlite"
    arns = DurableExecutionArns(path)
    arn = DurableExecutionArn.new("fn", "1", "first")
    arns.reserve(arn)
    # Known before the runner ever answers: its first word about the execution translates.
    answer = json.dumps({"DurableExecutionArn": runner_name(arn), "Other": "7f0c/x"}).encode()
    assert json.loads(arns.to_aws(answer)) == {"DurableExecutionArn": str(arn), "Other": "7f0c/x"}
    assert arns.to_runner(str(arn)) == runner_name(arn)
    assert arns.started("fn", "first") == arn
    arns.close()

    reopened = DurableExecutionArns(path)
    assert reopened.to_runner(str(arn)) == runner_name(arn)
    assert reopened.started("fn", "first") == arn
    assert reopened.to_aws(runner_name(arn).encode()) == str(arn).encode()


def test_names_it_did_not_start_pass_through_and_a_released_arn_is_forgotten(tmp_path: Path) -> None:
    arns = DurableExecutionArns(tmp_path / "arns.sqlite")
    foreign = f"{RUNNER_RANDOM}/5d0f2b0e-8c1a-4d5e-a1b2-c3d4e5f60718"
    assert arns.to_aws(foreign.encode()) == foreign.encode()
    arn = DurableExecutionArn.new("fn", "1", "refused")
    arns.reserve(arn)
    arns.release(arn)
    assert arns.started("fn", "refused") is None
    assert arns.to_aws(runner_name(arn).encode()) == runner_name(arn).encode()
    # The name is free again for the next start.
    retried = DurableExecutionArn.new("fn", "1", "refused")
    arns.reserve(retried)
    assert arns.started("fn", "refused") == retried


def test_an_arn_already_in_an_answer_is_left_whole_when_its_name_is_a_uuid(tmp_path: Path) -> None:
    """EventBridge's invokes name executions with a UUID: the ARN's tail looks like a runner
    name, and a result holding the ARN (the handler's own record) must come out unchanged."""
    arns = DurableExecutionArns(tmp_path / "arns.sqlite")
    arn = DurableExecutionArn(
        "fn", "1", "9b2f3c1e-0d4a-4f6b-8e7c-1a2b3c4d5e6f", "4c5d6e7f-8091-4a2b-b3c4-d5e6f7081920"
    )
    arns.reserve(arn)
    answer = json.dumps({"DurableExecutionArn": runner_name(arn), "Result": json.dumps({"engineExecutionArn": str(arn)})})
    assert json.loads(arns.to_aws(answer.encode())) == {
        "DurableExecutionArn": str(arn),
        "Result": json.dumps({"engineExecutionArn": str(arn)}),
    }
