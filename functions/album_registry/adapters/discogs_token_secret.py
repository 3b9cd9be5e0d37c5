"""The Discogs token, read from its Secrets Manager secret through Powertools Parameters.

The stack declares the secret without a value; its owner sets the token
later (``albums secret set-discogs-token`` or ``aws secretsmanager
put-secret-value``), and may clear it again. So a secret that exists without a
value, or whose value is blank, means "no Discogs": the caller prices with the
offline model, never a crash. The same holds for a secret that does not exist.
Any other failure (access denied, the secret marked for deletion, Secrets
Manager unreachable) is an error naming the secret.

Every answer, "no token" included, is cached for ``max_age_seconds``: a warm
function reads the secret at most once per period, and a token set or cleared
meanwhile is used from the next read on.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

from album_registry.constants import DISCOGS_TOKEN_MAX_AGE_SECONDS

_NO_VALUE = ""


class DiscogsTokenUnreadableError(Exception):
    """The token's secret exists, or may, but could not be read."""

    def __init__(self, *, secret: str, reason: str) -> None:
        super().__init__(f"Discogs token secret {secret!r} could not be read: {reason}")
        self.secret = secret
        self.reason = reason


class _UnsetReadsAsBlank(SecretsProvider):
    """Secrets Manager, where a secret with no current value (or none at all) reads
    as blank, so that Powertools caches that answer like any other value."""

    def _get(self, name: str, **sdk_options: Any) -> str | bytes:
        try:
            return super()._get(name, **sdk_options)
        except self.client.exceptions.ResourceNotFoundException:
            return _NO_VALUE


class SecretsManagerDiscogsToken:
    def __init__(
        self, *, secret_name: str, client: Any, max_age_seconds: int = DISCOGS_TOKEN_MAX_AGE_SECONDS
    ) -> None:
        self._secret_name = secret_name
        self._provider = _UnsetReadsAsBlank(boto3_client=client)
        self._max_age_seconds = max_age_seconds

    def token(self) -> str | None:
        try:
            value = self._provider.get(self._secret_name, max_age=self._max_age_seconds)
        except GetParameterError as error:
            raise DiscogsTokenUnreadableError(secret=self._secret_name, reason=str(error)) from error
        if not isinstance(value, str):
            raise DiscogsTokenUnreadableError(
                secret=self._secret_name, reason="it holds binary data, not the token as text"
            )
        # Surrounding whitespace is never part of a token (a pasted line ends in one).
        return value.strip() or None
