"""The Discogs token on the local stack: the in-process functions see its secret's name."""

from __future__ import annotations

from album_registry import constants
from albums.local_stack.provisioner import runtime_environment
from albums.local_stack.provisioning import LOCAL_PROJECT_CONFIG, LOCAL_STACK_NAME
from albums.local_stack.pulumi_program import run_program


def test_the_in_process_functions_see_the_secrets_name() -> None:
    program = run_program(LOCAL_STACK_NAME, dict(LOCAL_PROJECT_CONFIG))
    per_function = {
        function.inputs["name"]: function.inputs["environment"]["variables"]
        for function in program.of_type("aws:lambda/function:Function")
    }
    environment = runtime_environment(per_function)
    # Only the pricing functions are given it, and the one shared environment keeps it.
    assert environment[constants.DISCOGS_TOKEN_SECRET_NAME_ENV] == program.exports["discogsTokenSecretName"]
    assert environment[constants.TABLE_NAME_ENV] == program.exports["tableName"]
    # A variable the functions set differently is nobody's in particular.
    assert constants.POWERTOOLS_SERVICE_NAME_ENV not in environment
