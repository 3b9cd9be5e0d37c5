"""Bedrock's Converse API served by the local stack's reader, for tests outside a stack."""

from __future__ import annotations

import functools

import boto3

from album_registry.adapters.bedrock_vision import BEDROCK_CLIENT_CONFIG, BedrockVisionProvider
from album_registry.constants import DEFAULT_BEDROCK_MODEL_ID
from local_aws.bedrock_runtime import LocalBedrockRuntime
from local_aws.gateway import GatewayServer, LocalGateway
from local_aws.lambda_runtime import NoFunctions


@functools.cache
def shared_bedrock_runtime() -> LocalBedrockRuntime:
    """One pool of offline readers for every test in this process: their models load once."""
    return LocalBedrockRuntime().start()


def serve_bedrock(reader: LocalBedrockRuntime) -> GatewayServer:
    """The stack's gateway on a loopback port of its own, with ``reader`` behind Bedrock's routes."""
    return GatewayServer(LocalGateway(NoFunctions(), bedrock=reader)).start()


def bedrock_client(endpoint: str) -> object:
    return boto3.client("bedrock-runtime", endpoint_url=endpoint, region_name="us-east-1", config=BEDROCK_CLIENT_CONFIG)


def bedrock_provider(endpoint: str) -> BedrockVisionProvider:
    """The functions' own vision provider, asking the Bedrock at ``endpoint``."""
    return BedrockVisionProvider(client=bedrock_client(endpoint), model_id=DEFAULT_BEDROCK_MODEL_ID)
