"""moto's Step Functions interpreter shares one SDK client per service (local_aws/state_machine_clients.py)."""

from __future__ import annotations

import importlib

from moto.stepfunctions.parser.asl.utils import boto_client

from local_aws.state_machine_clients import install_shared_clients

LAMBDA_TASKS = "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils"
DYNAMODB_TASKS = "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb"


def test_every_task_of_a_service_gets_the_same_client_and_each_service_its_own() -> None:
    install_shared_clients()
    lambda_tasks = importlib.import_module(LAMBDA_TASKS).boto_client_for
    dynamodb_tasks = importlib.import_module(DYNAMODB_TASKS).boto_client_for

    first = lambda_tasks(region="us-east-1", service="lambda", state_credentials=None)
    again = lambda_tasks(region="us-east-1", service="lambda", state_credentials={"RoleArn": "x"})
    table = dynamodb_tasks(region="us-east-1", service="dynamodb")
    elsewhere = boto_client.boto_client_for(region="eu-west-1", service="dynamodb")

    assert first is again
    assert first.meta.service_model.service_name == "lambda"
    assert table is boto_client.boto_client_for(region="us-east-1", service="dynamodb")
    assert table.meta.service_model.service_name == "dynamodb"
    assert elsewhere is not table and elsewhere.meta.region_name == "eu-west-1"
