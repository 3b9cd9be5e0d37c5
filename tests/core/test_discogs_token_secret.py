"""The Discogs token from Secrets Manager (moto), read through the real Powertools provider."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest

from album_registry.adapters.discogs_token_secret import DiscogsTokenUnreadableError, SecretsManagerDiscogsToken

SECRET = "vinyl-test-discogs-token"


class CountedSecrets:
    """A Secrets Manager client on moto, counting the GetSecretValue calls that reach it."""

    def __init__(self) -> None:
        self.client: Any = boto3.client("secretsmanager")
        self.reads = 0
        self.client.meta.events.register("before-call.secrets-manager.GetSecretValue", self._count)

    def _count(self, **_: Any) -> None:
        self.reads += 1

    def token_source(self, *, max_age_seconds: int = 300) -> SecretsManagerDiscogsToken:
        return SecretsManagerDiscogsToken(secret_name=SECRET, client=self.client, max_age_seconds=max_age_seconds)


@pytest.fixture
def secrets(aws: None) -> CountedSecrets:
    return CountedSecrets()


def test_the_token_the_secret_holds_is_read(secrets: CountedSecrets) -> None:
    secrets.client.create_secret(Name=SECRET, SecretString="dIsCoGs-token")
    assert secrets.token_source().token() == "dIsCoGs-token"


def test_surrounding_whitespace_is_not_part_of_the_token(secrets: CountedSecrets) -> None:
    secrets.client.create_secret(Name=SECRET, SecretString="  dIsCoGs-token\n")
    assert secrets.token_source().token() == "dIsCoGs-token"


def test_a_secret_without_a_value_means_no_token(secrets: CountedSecrets) -> None:
    secrets.client.create_secret(Name=SECRET)  # as the stack creates it
    assert secrets.token_source().token() is None


def test_a_blank_value_means_no_token(secrets: CountedSecrets) -> None:
    # Secrets Manager refuses an empty value: a cleared token is a blank one.
    secrets.client.create_secret(Name=SECRET, SecretString=" \n")
    assert secrets.token_source().token() is None


def test_a_missing_secret_means_no_token(secrets: CountedSecrets) -> None:
    assert secrets.token_source().token() is None
    assert secrets.reads == 1


def test_a_second_read_within_max_age_asks_secrets_manager_nothing(secrets: CountedSecrets) -> None:
    secrets.client.create_secret(Name=SECRET, SecretString="dIsCoGs-token")
    tokens = secrets.token_source()
    assert [tokens.token(), tokens.token(), tokens.token()] == ["dIsCoGs-token"] * 3
    assert secrets.reads == 1


def test_no_token_is_cached_too_and_a_token_set_later_is_read_once_it_expires(secrets: CountedSecrets) -> None:
    secrets.client.create_secret(Name=SECRET)
    tokens = secrets.token_source(max_age_seconds=1)
    assert tokens.token() is None
    secrets.client.put_secret_value(SecretId=SECRET, SecretString="set-after-deployment")
    assert tokens.token() is None
    assert secrets.reads == 1
    time.sleep(1.1)
    assert tokens.token() == "set-after-deployment"
    assert secrets.reads == 2


def test_an_unreadable_secret_is_an_error_naming_it(secrets: CountedSecrets) -> None:
    secrets.client.create_secret(Name=SECRET, SecretString="dIsCoGs-token")
    secrets.client.delete_secret(SecretId=SECRET)  # marked for deletion: reading it is refused
    with pytest.raises(DiscogsTokenUnreadableError, match=f"'{SECRET}' could not be read") as raised:
        secrets.token_source().token()
    assert "dIsCoGs-token" not in str(raised.value)


def test_a_binary_secret_is_an_error_naming_it(secrets: CountedSecrets) -> None:
    secrets.client.create_secret(Name=SECRET, SecretBinary=b"\x00\x01")
    with pytest.raises(DiscogsTokenUnreadableError, match=f"'{SECRET}'.*binary"):
        secrets.token_source().token()
