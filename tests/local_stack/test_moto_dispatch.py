"""moto's server application with each host's backend remembered (local_aws/moto_dispatch.py)."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from moto import backends
from moto.core import responses, utils
from moto.dynamodb.responses import DynamoHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.stepfunctions.responses import StepFunctionResponse

from local_aws.moto_dispatch import BackendRememberingDispatcher, install_remembered_action_names

HOSTS = [
    "dynamodb.us-east-1.amazonaws.com",
    "s3.us-east-1.amazonaws.com",
    "states.us-east-1.amazonaws.com",
    "events.eu-west-1.amazonaws.com",
    "lambda.us-east-1.amazonaws.com",
    "secretsmanager.us-east-1.amazonaws.com",
    "sqs.us-east-1.amazonaws.com",
    "moto_api",
    "dynamodb",
    "127.0.0.1:4566",
    None,
]


@pytest.mark.parametrize("host", HOSTS)
def test_each_host_gets_the_backend_moto_gives_it(host: str | None) -> None:
    expected = DomainDispatcherApplication(create_backend_app).get_backend_for_host(host)
    dispatcher = BackendRememberingDispatcher()
    assert dispatcher.get_backend_for_host(host) == expected
    assert dispatcher.get_backend_for_host(host) == expected


def test_moto_lists_its_modules_once_per_host(monkeypatch: pytest.MonkeyPatch) -> None:
    listings: list[None] = []
    list_modules = backends.list_of_moto_modules

    def counted() -> list[str]:
        listings.append(None)
        return list(list_modules())

    monkeypatch.setattr(backends, "list_of_moto_modules", counted)
    dispatcher = BackendRememberingDispatcher()
    for _ in range(50):
        for host in HOSTS[:3]:
            dispatcher.get_backend_for_host(host)
    assert len(listings) == 3


def test_a_handler_class_s_methods_are_listed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    listings: list[type] = []
    list_members = inspect.getmembers

    def counted(clazz: type, predicate: Any = None) -> list[tuple[str, Any]]:
        listings.append(clazz)
        return list_members(clazz, predicate)

    monkeypatch.setattr(responses, "method_names_from_class", utils.method_names_from_class)
    monkeypatch.setattr(inspect, "getmembers", counted)
    install_remembered_action_names()

    for _ in range(20):
        assert "put_item" in responses.method_names_from_class(DynamoHandler)
        assert "put_item" not in responses.method_names_from_class(StepFunctionResponse)
    assert listings == [DynamoHandler, StepFunctionResponse]
