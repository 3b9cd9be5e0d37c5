"""Builds the object graph at the handler edge: core service plus adapters.

Handlers call ``registration()``; everything is created once per process
(a Lambda container, or one of the local stack's workers), from
``Settings``. Locally only the endpoints differ: boto3 reads
``AWS_ENDPOINT_URL`` by itself, and the local stack answers Bedrock's
Converse API with its offline reader.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from album_registry.adapters.bedrock_vision import BEDROCK_CLIENT_CONFIG, BedrockVisionProvider
from album_registry.adapters.dynamodb_repository import DynamoDbAlbumRepository
from album_registry.adapters.engine_resumer import Boto3EngineResumer
from album_registry.adapters.engine_runs import Boto3EngineRuns
from album_registry.adapters.fault_injection import FaultPlan
from album_registry.adapters.s3_image_links import SIGV4, S3PresignedImageLinks
from album_registry.adapters.s3_image_store import S3ImageStore
from album_registry.adapters.system_clock import SystemClock
from album_registry.domain.models import Album, PriceEstimate
from album_registry.domain.ports import DiscogsTokenSource, PriceEstimator
from album_registry.domain.price_estimator import OfflinePriceEstimator
from album_registry.domain.registration import AlbumRegistration
from album_registry.settings import Settings


@cache
def settings() -> Settings:
    return Settings.from_environment()


# The SDK's standard retries (three attempts): the long back-off on a throttled
# write is the workflow's own (a durable step's retry strategy, as the ASL's
# Retry), not the legacy mode's ten attempts for DynamoDB under each of its tries.
TABLE_CLIENT_CONFIG = Config(retries={"mode": "standard"})


@cache
def repository() -> DynamoDbAlbumRepository:
    return DynamoDbAlbumRepository(boto3.client("dynamodb", config=TABLE_CLIENT_CONFIG), settings().table_name)


@cache
def registration() -> AlbumRegistration:
    faults = FaultPlan.parse(settings().fault_injection)
    return AlbumRegistration(
        repository=faults.wrap_repository(repository()),
        clock=SystemClock(),
        images=S3ImageStore(boto3.client("s3")),
        vision=faults.wrap_vision(
            BedrockVisionProvider(
                client=boto3.client("bedrock-runtime", config=BEDROCK_CLIENT_CONFIG),
                model_id=settings().bedrock_model_id,
            )
        ),
        prices=faults.wrap_prices(EstimatorOnFirstPrice()),
    )


@dataclass(frozen=True)
class StackAdapters:
    """What the validation side needs of one stack: its table, its engines and links to its photos."""

    repository: DynamoDbAlbumRepository
    resumer: Boto3EngineResumer
    images: S3PresignedImageLinks


def stack_adapters(client: Callable[..., Any], *, table_name: str, bucket_name: str) -> StackAdapters:
    """The one builder of those adapters, over a stack's clients: the Lambda's own
    (``boto3.client``), and those of any stack the ``albums`` tool reaches
    (``albums.stack_access.StackAccess.client``)."""
    return StackAdapters(
        repository=DynamoDbAlbumRepository(client("dynamodb", config=TABLE_CLIENT_CONFIG), table_name),
        resumer=Boto3EngineResumer(step_functions=client("stepfunctions"), lambda_client=client("lambda")),
        images=S3PresignedImageLinks(client("s3", config=SIGV4), bucket_name),
    )


@cache
def engine_runs() -> Boto3EngineRuns:
    return Boto3EngineRuns(step_functions=boto3.client("stepfunctions"), lambda_client=boto3.client("lambda"))


@cache
def discogs_token() -> DiscogsTokenSource | None:
    """The Discogs token's secret, when the function is given one (only the pricing functions are)."""
    secret_name = settings().discogs_token_secret_name
    if secret_name is None:
        return None
    from album_registry.adapters.discogs_token_secret import SecretsManagerDiscogsToken

    return SecretsManagerDiscogsToken(secret_name=secret_name, client=boto3.client("secretsmanager"))


class EstimatorOnFirstPrice:
    """``price_estimator()``, built when the first album is priced.

    The offline model's catalog brings numpy and its arrays (about 25 MB per
    process): a function that never prices (six of the seven Step Functions
    tasks, the validation API, the run endings) never loads it.
    """

    def estimate(self, album: Album) -> PriceEstimate:
        return price_estimator().estimate(album)


@cache
def price_estimator() -> PriceEstimator:
    """Discogs marketplace prices while the token's secret holds a token; the
    deterministic offline model without one (no secret, no value, or blank), so
    that the same album gets the same price in both pipelines."""
    from album_registry.catalog import load_album_catalog  # numpy: see EstimatorOnFirstPrice

    offline = OfflinePriceEstimator(load_album_catalog())
    tokens = discogs_token()
    if tokens is None:
        return offline
    from album_registry.adapters.discogs_prices import DISCOGS_API, DiscogsWhileTokenSet

    return DiscogsWhileTokenSet(
        tokens=tokens, without_token=offline, base_url=settings().discogs_base_url or DISCOGS_API
    )
