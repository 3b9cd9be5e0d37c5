"""The seed's minimal and showcase durable functions, as the program deploys them."""

from __future__ import annotations

import json

import pytest

from local_aws.pulumi_program import ProgramRun
from components.durable_examples import EXAMPLE_HANDLERS
from components.lambda_package import DURABLE_EXAMPLES_BUNDLE, build_code


@pytest.mark.parametrize("example", sorted(EXAMPLE_HANDLERS))
def test_each_example_is_a_durable_function_with_the_seeds_limits(dev_run: ProgramRun, example: str) -> None:
    function = dev_run.one("aws:lambda/function:Function", f"durable-examples-{example}-function").inputs
    assert function["name"] == f"vinyl-dev-durable-example-{example}"
    assert function["handler"] == EXAMPLE_HANDLERS[example]
    assert function["durableConfig"] == {"executionTimeout": 3600, "retentionPeriod": 7}
    assert function["publish"] is True
    assert function["code"].path == str(build_code(DURABLE_EXAMPLES_BUNDLE).zip_path)
    assert function["layers"] == [
        f"arn:aws:lambda:{dev_run.region}:{dev_run.account_id}:layer:vinyl-dev-durable-examples-deps:1"
    ]


@pytest.mark.parametrize("example", sorted(EXAMPLE_HANDLERS))
def test_each_example_is_invoked_through_its_live_alias(dev_run: ProgramRun, example: str) -> None:
    name = f"vinyl-dev-durable-example-{example}"
    alias = dev_run.one("aws:lambda/alias:Alias", f"durable-examples-{example}-alias").inputs
    assert alias == {"name": "live", "functionName": name, "functionVersion": "1"}
    output = dev_run.exports[f"durableExample{example.title()}AliasArn"]
    assert output == f"arn:aws:lambda:{dev_run.region}:{dev_run.account_id}:function:{name}:live"


@pytest.mark.parametrize("example", sorted(EXAMPLE_HANDLERS))
def test_each_example_has_its_own_role_that_checkpoints_only_itself(dev_run: ProgramRun, example: str) -> None:
    policy = json.loads(dev_run.one("aws:iam/rolePolicy:RolePolicy", f"durable-examples-{example}-policy").inputs["policy"])
    by_sid = {statement["Sid"]: statement for statement in policy["Statement"]}
    function_arn = f"arn:aws:lambda:{dev_run.region}:{dev_run.account_id}:function:vinyl-dev-durable-example-{example}"
    assert by_sid["DurableExecution"]["Resource"] == [f"{function_arn}:*"]
    assert by_sid["DurableExecution"]["Action"] == [
        "lambda:CheckpointDurableExecution",
        "lambda:GetDurableExecutionState",
    ]
    # Nothing of the registry: no table, no uploads, no model.
    assert set(by_sid) == {"DurableExecution", "WriteOwnLogs", "XRayWrite"}
