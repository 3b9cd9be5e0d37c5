"""The Discogs token's secret: declared without a value, named in the outputs,
readable by exactly the functions that price albums and named in their environment."""

from __future__ import annotations

from typing import Any

import pytest

from album_registry import constants
from components.iam_policies import DISCOGS_TOKEN_SID, SECRET_READ_ACTIONS
from local_aws.pulumi_program import PROJECT, ProgramRun, RecordedResource, run_program, secret_arn, stack_file_config

# The Step Functions price agent and the durable pipeline, which runs its own price agents.
PRICING_HANDLERS = {
    "album_registry.handlers.step_functions_tasks.estimate_price_handler",
    "album_registry.handlers.durable_pipeline.handler",
}
RUNS = ["dev_run", "bench_run", "assumed_role_run"]


def _secret(run: ProgramRun) -> RecordedResource:
    return run.one("aws:secretsmanager/secret:Secret")


def _grants_of(run: ProgramRun, function: RecordedResource) -> list[dict[str, Any]]:
    """Every statement of the policies on the function's role."""
    role_name = function.inputs["role"].rsplit("/", 1)[1]
    return [
        statement
        for policy, document in run.policies()
        if policy.inputs["role"] == role_name
        for statement in document["Statement"]
    ]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_secret_is_shared_data_declared_without_a_value(dev_run: ProgramRun) -> None:
    secret = _secret(dev_run)
    assert secret.inputs["name"] == "vinyl-dev-discogs-token"
    assert secret.parent_type == "vinyl:index:SharedData"
    assert "secretString" not in secret.inputs
    assert dev_run.of_type("aws:secretsmanager/secretVersion:SecretVersion") == []
    assert dev_run.exports["discogsTokenSecretName"] == "vinyl-dev-discogs-token"


@pytest.mark.parametrize("run_name", RUNS)
def test_exactly_the_pricing_functions_are_given_the_secrets_name(run_name: str, request: pytest.FixtureRequest) -> None:
    run: ProgramRun = request.getfixturevalue(run_name)
    functions = run.of_type("aws:lambda/function:Function")
    named = {
        function.inputs["handler"]: (function.inputs.get("environment") or {}).get("variables", {}).get(constants.DISCOGS_TOKEN_SECRET_NAME_ENV)
        for function in functions
    }
    assert {handler for handler, value in named.items() if value is not None} == PRICING_HANDLERS
    assert {named[handler] for handler in PRICING_HANDLERS} == {_secret(run).inputs["name"]}


def _discogs_base_urls(run: ProgramRun) -> dict[str, str | None]:
    return {
        function.inputs["handler"]: (function.inputs.get("environment") or {}).get("variables", {}).get(constants.DISCOGS_BASE_URL_ENV)
        for function in run.of_type("aws:lambda/function:Function")
    }


def test_a_discogs_base_url_is_given_to_exactly_the_pricing_functions() -> None:
    config = stack_file_config("dev") | {f"{PROJECT}:discogsBaseUrl": "http://127.0.0.1:8089"}
    given = _discogs_base_urls(run_program("dev", config))
    assert {handler: url for handler, url in given.items() if url is not None} == dict.fromkeys(
        PRICING_HANDLERS, "http://127.0.0.1:8089"
    )


def test_unset_the_functions_ask_the_public_discogs_api(dev_run: ProgramRun) -> None:
    assert set(_discogs_base_urls(dev_run).values()) == {None}


@pytest.mark.parametrize("run_name", RUNS)
def test_no_function_is_given_a_token(run_name: str, request: pytest.FixtureRequest) -> None:
    run: ProgramRun = request.getfixturevalue(run_name)
    for function in run.of_type("aws:lambda/function:Function"):
        variables = (function.inputs.get("environment") or {}).get("variables", {})
        assert "DISCOGS_TOKEN" not in variables
        assert [name for name in variables if "TOKEN" in name] in ([], [constants.DISCOGS_TOKEN_SECRET_NAME_ENV])


@pytest.mark.parametrize("run_name", RUNS)
def test_exactly_the_pricing_functions_may_read_exactly_that_secret(run_name: str, request: pytest.FixtureRequest) -> None:
    run: ProgramRun = request.getfixturevalue(run_name)
    arn = secret_arn(run.region, run.account_id, _secret(run).inputs["name"])
    for function in run.of_type("aws:lambda/function:Function"):
        grants = [
            statement
            for statement in _grants_of(run, function)
            if any(action.startswith("secretsmanager:") for action in _as_list(statement["Action"]))
        ]
        if function.inputs["handler"] in PRICING_HANDLERS:
            assert grants == [
                {"Sid": DISCOGS_TOKEN_SID, "Effect": "Allow", "Action": list(SECRET_READ_ACTIONS), "Resource": [arn]}
            ], function.name
        else:
            assert grants == [], function.name


def test_no_other_policy_touches_a_secret(dev_run: ProgramRun) -> None:
    holders = sorted(
        policy.name
        for policy, document in dev_run.policies()
        for statement in document["Statement"]
        if any(action.startswith("secretsmanager:") for action in _as_list(statement["Action"]))
    )
    assert holders == ["durable-policy", "step-functions-price-policy"]
