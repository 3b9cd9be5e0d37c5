"""Each component creates exactly its resources, parented to itself, on the stack's provider."""

from __future__ import annotations

from collections import Counter

import pytest

from local_aws.pulumi_program import ProgramRun

COMPONENT_TYPES = {
    "vinyl:index:LambdaCode": "lambda-code",
    "vinyl:index:DurableExamples": "durable-examples",
    "vinyl:index:SharedData": "shared-data",
    "vinyl:index:StepFunctionsPipeline": "step-functions",
    "vinyl:index:DurablePipeline": "durable",
    "vinyl:index:ValidationApi": "validation-api",
    "vinyl:index:Trigger": "trigger",
    "vinyl:index:RunEndings": "run-endings",
    "vinyl:index:Observability": "observability",
}

EXPECTED_CHILDREN: dict[str, Counter[str]] = {
    "vinyl:index:LambdaCode": Counter({"aws:lambda/layerVersion:LayerVersion": 2}),
    "vinyl:index:DurableExamples": Counter(
        {
            "aws:cloudwatch/logGroup:LogGroup": 3,
            "aws:lambda/function:Function": 3,
            "aws:lambda/alias:Alias": 3,
            "aws:iam/role:Role": 3,
            "aws:iam/rolePolicy:RolePolicy": 3,
        }
    ),
    "vinyl:index:SharedData": Counter(
        {
            "aws:dynamodb/table:Table": 1,
            "aws:s3/bucket:Bucket": 1,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
            "aws:s3/bucketVersioning:BucketVersioning": 1,
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
            "aws:s3/bucketNotification:BucketNotification": 1,
            "aws:secretsmanager/secret:Secret": 1,
        }
    ),
    "vinyl:index:StepFunctionsPipeline": Counter(
        {
            "aws:cloudwatch/logGroup:LogGroup": 7,
            "aws:lambda/function:Function": 6,
            "aws:iam/role:Role": 3,
            "aws:iam/rolePolicy:RolePolicy": 3,
            "aws:sfn/stateMachine:StateMachine": 1,
        }
    ),
    "vinyl:index:DurablePipeline": Counter(
        {
            "aws:cloudwatch/logGroup:LogGroup": 1,
            "aws:lambda/function:Function": 1,
            "aws:lambda/alias:Alias": 1,
            "aws:iam/role:Role": 1,
            "aws:iam/rolePolicy:RolePolicy": 1,
        }
    ),
    "vinyl:index:ValidationApi": Counter(
        {
            "aws:cloudwatch/logGroup:LogGroup": 1,
            "aws:lambda/function:Function": 1,
            "aws:lambda/functionUrl:FunctionUrl": 1,
            "aws:iam/role:Role": 1,
            "aws:iam/rolePolicy:RolePolicy": 1,
        }
    ),
    "vinyl:index:Trigger": Counter(
        {
            "aws:cloudwatch/eventRule:EventRule": 1,
            "aws:cloudwatch/eventTarget:EventTarget": 2,
            "aws:sqs/queue:Queue": 2,
            "aws:sqs/queuePolicy:QueuePolicy": 2,
            "aws:iam/role:Role": 1,
            "aws:iam/rolePolicy:RolePolicy": 1,
            "aws:lambda/permission:Permission": 1,
        }
    ),
    "vinyl:index:RunEndings": Counter(
        {
            "aws:cloudwatch/logGroup:LogGroup": 1,
            "aws:lambda/function:Function": 1,
            "aws:iam/role:Role": 1,
            "aws:iam/rolePolicy:RolePolicy": 1,
            "aws:cloudwatch/eventRule:EventRule": 2,
            "aws:cloudwatch/eventTarget:EventTarget": 2,
            "aws:lambda/permission:Permission": 2,
        }
    ),
    "vinyl:index:Observability": Counter(
        {"aws:cloudwatch/dashboard:Dashboard": 1, "aws:cloudwatch/metricAlarm:MetricAlarm": 4}
    ),
}


@pytest.mark.parametrize("component_type", sorted(EXPECTED_CHILDREN))
def test_each_component_creates_exactly_its_resources(dev_run: ProgramRun, component_type: str) -> None:
    children = [r for r in dev_run.resources if r.parent_type == component_type]
    assert Counter(r.type for r in children) == EXPECTED_CHILDREN[component_type]
    # Children are named after their component (Pulumi's component convention).
    prefix = COMPONENT_TYPES[component_type] + "-"
    assert all(r.name.startswith(prefix) for r in children), [r.name for r in children]


def test_every_resource_belongs_to_a_component_or_is_the_provider(dev_run: ProgramRun) -> None:
    top_level = {r.type for r in dev_run.resources if r.parent_type == "pulumi:pulumi:Stack"}
    assert top_level == {*COMPONENT_TYPES, "pulumi:providers:aws"}
    assert {r.name for r in dev_run.resources if r.type in COMPONENT_TYPES} == set(COMPONENT_TYPES.values())
    orphans = [
        r.name
        for r in dev_run.resources
        if r.type.startswith("aws:") and r.parent_type not in COMPONENT_TYPES
    ]
    assert orphans == []


def test_every_aws_resource_goes_through_the_stack_provider(dev_run: ProgramRun) -> None:
    provider = dev_run.one("pulumi:providers:aws")
    assert provider.name == "aws-dev"
    providers = {r.provider for r in dev_run.resources if r.type.startswith("aws:")}
    assert len(providers) == 1
    assert providers.pop().startswith(provider.urn + "::")
    # The caller-identity lookup (account id of the bucket name) too.
    assert [call.provider for call in dev_run.calls] and all(
        call.provider.startswith(provider.urn + "::") for call in dev_run.calls
    )
