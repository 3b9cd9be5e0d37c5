"""Configuration of the functions, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

from album_registry import constants


@dataclass(frozen=True)
class Settings:
    table_name: str
    bucket_name: str | None
    bedrock_model_id: str
    validation_timeout_seconds: int
    price_agent_concurrency: int
    discogs_token_secret_name: str | None
    discogs_base_url: str | None
    fault_injection: str | None

    @classmethod
    def from_environment(cls) -> Settings:
        environment = os.environ
        return cls(
            table_name=environment[constants.TABLE_NAME_ENV],
            bucket_name=environment.get(constants.BUCKET_NAME_ENV),
            bedrock_model_id=environment.get(
                constants.BEDROCK_MODEL_ID_ENV, constants.DEFAULT_BEDROCK_MODEL_ID
            ),
            validation_timeout_seconds=int(
                environment.get(
                    constants.VALIDATION_TIMEOUT_SECONDS_ENV,
                    constants.DEFAULT_VALIDATION_TIMEOUT_SECONDS,
                )
            ),
            price_agent_concurrency=int(
                environment.get(
                    constants.PRICE_AGENT_CONCURRENCY_ENV,
                    constants.DEFAULT_PRICE_AGENT_CONCURRENCY,
                )
            ),
            discogs_token_secret_name=environment.get(constants.DISCOGS_TOKEN_SECRET_NAME_ENV) or None,
            discogs_base_url=environment.get(constants.DISCOGS_BASE_URL_ENV) or None,
            fault_injection=environment.get(constants.FAULT_INJECTION_ENV) or None,
        )
