"""Provisions the local stack from the Pulumi program itself.

The program (``__main__.py``) runs under Pulumi mocks for a stack named
``local``; every resource it declares is recorded with its resolved inputs
(``local_aws.pulumi_program``), then created here on the local
endpoint: the table with the program's key schema, the bucket with its
versioning and EventBridge switch, the Discogs token's secret (without a
value, as on AWS), each Lambda registered with the worker runtime as the
program declares it (its code archive, layers, handler, environment, timeout
and memory), each alias with the version it points to (the version the
program published), the state machine with the definition the program
rendered, the trigger rule, its targets and their dead-letter queues.
Nothing is declared twice; a test compares the two.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from local_aws.durable_service import DurableFunctionSettings, LocalDurableService
from local_aws.declared_functions import declared_functions
from local_aws.lambda_runtime import ACCOUNT_ID, REGION, FunctionVersions
from local_aws.lambda_workers import FunctionDefinition, WorkerLambdaRuntime
from local_aws.provisioning import LOCAL_PROJECT_CONFIG, LOCAL_STACK_NAME, table_request
from local_aws.pulumi_program import ProgramRun, RecordedResource, run_program



@dataclass
class LocalDeployment:
    program: ProgramRun
    functions: dict[str, str] = field(default_factory=dict)  # name -> handler
    durable_functions: list[str] = field(default_factory=list)

    @property
    def outputs(self) -> dict[str, str]:
        return {name: str(value) for name, value in self.program.exports.items()}

    @property
    def event_patterns(self) -> list[dict[str, Any]]:
        """The event patterns of the program's EventBridge rules."""
        return [
            json.loads(resource.inputs["eventPattern"])
            for resource in self.program.resources
            if resource.type == "aws:cloudwatch/eventRule:EventRule" and resource.inputs.get("eventPattern")
        ]


def provision(
    *,
    endpoint: str,
    runtime: WorkerLambdaRuntime,
    durable: LocalDurableService,
    config: Mapping[str, object] | None = None,
) -> LocalDeployment:
    program = run_program(LOCAL_STACK_NAME, {**LOCAL_PROJECT_CONFIG, **(config or {})})
    deployment = LocalDeployment(program=program)
    clients = _Clients(endpoint)
    for resource in program.resources:
        _create(resource, clients, durable, runtime.versions, deployment)
    for function in declared_functions(program):
        runtime.register(
            FunctionDefinition(
                name=function.name,
                handler=function.handler,
                code=function.code.tree,
                layers=tuple(layer.tree for layer in function.layers),
                environment=function.environment,
                timeout_seconds=function.timeout_seconds,
                memory_mb=function.memory_mb,
            )
        )
    return deployment


class _Clients:
    def __init__(self, endpoint: str) -> None:
        def client(service: str) -> Any:
            return boto3.client(
                service,
                endpoint_url=endpoint,
                region_name=REGION,
                aws_access_key_id="local",
                aws_secret_access_key="local",
            )

        self.dynamodb = client("dynamodb")
        self.s3 = client("s3")
        self.step_functions = client("stepfunctions")
        self.events = client("events")
        self.sqs = client("sqs")
        self.logs = client("logs")
        self.secretsmanager = client("secretsmanager")


def _create(
    resource: RecordedResource,
    clients: _Clients,
    durable: LocalDurableService,
    versions: FunctionVersions,
    deployment: LocalDeployment,
) -> None:
    inputs = resource.inputs
    match resource.type:
        case "aws:dynamodb/table:Table":
            _ignore_existing(lambda: clients.dynamodb.create_table(**table_request(inputs)))
        case "aws:s3/bucket:Bucket":
            _create_bucket_once(clients.s3, inputs["bucket"])
        case "aws:s3/bucketVersioning:BucketVersioning":
            status = inputs["versioningConfiguration"]["status"]
            clients.s3.put_bucket_versioning(
                Bucket=inputs["bucket"], VersioningConfiguration={"Status": status}
            )
        case "aws:s3/bucketNotification:BucketNotification" if inputs.get("eventbridge"):
            clients.s3.put_bucket_notification_configuration(
                Bucket=inputs["bucket"], NotificationConfiguration={"EventBridgeConfiguration": {}}
            )
        case "aws:lambda/function:Function":
            name = inputs["name"]
            deployment.functions[name] = inputs["handler"]
            if inputs.get("durableConfig"):
                config = inputs["durableConfig"]
                durable.register(
                    name,
                    DurableFunctionSettings(
                        execution_timeout_seconds=int(config["executionTimeout"]),
                        retention_period_days=int(config.get("retentionPeriod", 14)),
                    ),
                )
                deployment.durable_functions.append(name)
        case "aws:lambda/alias:Alias":
            versions.add_alias(inputs["functionName"], inputs["name"], str(inputs["functionVersion"]))
        case "aws:sfn/stateMachine:StateMachine":
            _replace_state_machine(clients.step_functions, inputs)
        case "aws:sqs/queue:Queue":
            clients.sqs.create_queue(QueueName=inputs["name"])
        case "aws:cloudwatch/eventRule:EventRule":
            clients.events.put_rule(
                Name=inputs["name"], EventPattern=inputs["eventPattern"], State="ENABLED"
            )
        case "aws:cloudwatch/eventTarget:EventTarget":
            clients.events.put_targets(Rule=inputs["rule"], Targets=[_target(inputs)])
        case "aws:cloudwatch/logGroup:LogGroup":
            _ignore_existing(lambda: clients.logs.create_log_group(logGroupName=inputs["name"]))
        case "aws:secretsmanager/secret:Secret":
            # After a restart the saved secret is back already, with the value its owner set.
            _ignore_existing(
                lambda: clients.secretsmanager.create_secret(Name=inputs["name"], Description=inputs.get("description", ""))
            )


def _create_bucket_once(s3: Any, bucket: str) -> None:
    """Create the bucket unless a restart brought it back with its objects.

    In us-east-1, CreateBucket on a bucket you own answers 200, and moto then
    replaces it with an empty one: every restored upload would be lost.
    """
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchBucket", "NotFound"):
            raise
        s3.create_bucket(Bucket=bucket)


def _replace_state_machine(step_functions: Any, inputs: Mapping[str, Any]) -> None:
    arn = f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{inputs['name']}"
    try:
        step_functions.update_state_machine(stateMachineArn=arn, definition=inputs["definition"])
    except ClientError as error:
        if error.response["Error"]["Code"] != "StateMachineDoesNotExist":
            raise
        step_functions.create_state_machine(
            name=inputs["name"],
            definition=inputs["definition"],
            roleArn=inputs["roleArn"],
            type=inputs.get("type", "STANDARD"),
        )


def _target(inputs: Mapping[str, Any]) -> dict[str, Any]:
    target: dict[str, Any] = {"Id": inputs["targetId"], "Arn": inputs["arn"]}
    if inputs.get("roleArn"):
        target["RoleArn"] = inputs["roleArn"]
    if inputs.get("deadLetterConfig"):
        target["DeadLetterConfig"] = {"Arn": inputs["deadLetterConfig"]["arn"]}
    if inputs.get("retryPolicy"):
        policy = inputs["retryPolicy"]
        target["RetryPolicy"] = {
            "MaximumRetryAttempts": int(policy["maximumRetryAttempts"]),
            "MaximumEventAgeInSeconds": int(policy["maximumEventAgeInSeconds"]),
        }
    return target


def _ignore_existing(create: Any) -> None:
    """After a restart the saved table, bucket and secret are back already."""
    try:
        create()
    except ClientError as error:
        if error.response["Error"]["Code"] not in (
            "ResourceInUseException",
            "BucketAlreadyOwnedByYou",
            "BucketAlreadyExists",
            "ResourceAlreadyExistsException",
            "ResourceExistsException",
        ):
            raise

