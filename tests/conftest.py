"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import boto3
import pytest
from hypothesis import settings
from moto import mock_aws

from album_registry.adapters.bedrock_vision import BedrockVisionProvider
from local_aws.provisioning import create_registry_table
from tests.local_bedrock import bedrock_provider, serve_bedrock, shared_bedrock_runtime

settings.register_profile("project", max_examples=100, deadline=None)
settings.load_profile("project")

# No test may reach a real AWS account, whatever the machine's environment says.
for _name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
    os.environ.pop(_name, None)
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def dynamodb_table(aws: None) -> str:
    """An empty registry table on moto."""
    name = "albums-test"
    create_registry_table(boto3.client("dynamodb"), name)
    return name


@pytest.fixture(scope="session")
def local_bedrock_endpoint() -> Iterator[str]:
    """Bedrock's Converse API on a loopback port, answered by the local stack's offline reader."""
    server = serve_bedrock(shared_bedrock_runtime())
    yield server.endpoint
    server.stop()


@pytest.fixture(scope="session")
def bedrock_vision(local_bedrock_endpoint: str) -> BedrockVisionProvider:
    """The functions' own vision provider, asking the local stack's Bedrock."""
    return bedrock_provider(local_bedrock_endpoint)
