"""``albums secret set-discogs-token|clear-discogs-token``: the price agents' Discogs token.

The token goes into the stack's own Secrets Manager secret, whose name is the
stack's ``discogsTokenSecretName`` output. It is read from ``--token-file`` or
standard input (a terminal does not echo it) and never printed, nor passed on
a command line. The pricing functions keep what they read for a few minutes,
so warm functions use a new token, or stop using a cleared one, within that
time. Without a token they price with the offline model.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from album_registry.constants import DISCOGS_TOKEN_MAX_AGE_SECONDS
from albums.stack_access import STACK_ACCESS_ERRORS, StackAccess, add_stack_arguments, stack_from_arguments

EXIT_AWS_ERROR = 1
EXIT_USAGE = 2
# Secrets Manager refuses an empty value; the functions read a blank one as "no token".
CLEARED_VALUE = " "


class TokenInputError(Exception):
    def __init__(self, *, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


def register(subparsers: Any) -> None:
    secret = subparsers.add_parser("secret", help="set or clear the Discogs token of a stack's price agents")
    verbs = secret.add_subparsers(dest="secret_command", required=True, metavar="VERB")
    set_token = verbs.add_parser(
        "set-discogs-token", help="put a Discogs token (from --token-file or stdin) in the stack's secret"
    )
    set_token.add_argument("--token-file", type=Path, help="a file holding the token; default: standard input")
    add_stack_arguments(set_token)
    set_token.set_defaults(handler=set_discogs_token)
    clear_token = verbs.add_parser("clear-discogs-token", help="blank the stack's token: offline prices again")
    add_stack_arguments(clear_token)
    clear_token.set_defaults(handler=clear_discogs_token)


def set_discogs_token(args: argparse.Namespace) -> int:
    try:
        token = read_token(args.token_file)
    except TokenInputError as error:
        return _fail("set-discogs-token", str(error), EXIT_USAGE)
    return _put(args, "set-discogs-token", token, done="Discogs token set")


def clear_discogs_token(args: argparse.Namespace) -> int:
    return _put(args, "clear-discogs-token", CLEARED_VALUE, done="Discogs token cleared")


def read_token(token_file: Path | None) -> str:
    """The token, without surrounding whitespace; one word, never empty."""
    if token_file is not None:
        source = str(token_file)
        try:
            text = token_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise TokenInputError(source=source, reason=f"unreadable ({error})") from error
    elif sys.stdin.isatty():
        source, text = "the terminal", getpass.getpass("Discogs token (not shown): ")
    else:
        source, text = "standard input", sys.stdin.read()
    token = text.strip()
    if not token:
        raise TokenInputError(source=source, reason="no token given (to remove one: albums secret clear-discogs-token)")
    if any(character.isspace() for character in token):
        raise TokenInputError(source=source, reason="a Discogs token is one word, without spaces or line breaks")
    return token


def _put(args: argparse.Namespace, command: str, value: str, *, done: str) -> int:
    try:
        stack: StackAccess = stack_from_arguments(args)
    except STACK_ACCESS_ERRORS as error:
        return _fail(command, str(error), EXIT_USAGE)
    secret_name = stack.outputs.discogs_token_secret_name
    try:
        stack.client("secretsmanager").put_secret_value(SecretId=secret_name, SecretString=value)
    except ClientError as error:
        details = error.response.get("Error", {})
        reason = f"{details.get('Code', 'error')}: {details.get('Message', '')}"
        return _fail(command, f"secret {secret_name} on stack {stack.name} not written ({reason})", EXIT_AWS_ERROR)
    except BotoCoreError as error:
        return _fail(command, f"secret {secret_name} on stack {stack.name} not written ({error})", EXIT_AWS_ERROR)
    minutes = DISCOGS_TOKEN_MAX_AGE_SECONDS // 60
    print(f"{done} in secret {secret_name} (stack {stack.name}); warm functions follow within {minutes} minutes.")
    return 0


def _fail(command: str, reason: str, code: int) -> int:
    print(f"albums secret {command}: {reason}", file=sys.stderr)
    return code
