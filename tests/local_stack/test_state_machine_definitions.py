"""moto parses a state machine's definition once (local_aws/state_machine_definitions.py)."""

from __future__ import annotations

import json

import pytest
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser, ASLParserException

from local_aws.state_machine_definitions import install_parsed_definitions

DEFINITION = json.dumps(
    {
        "StartAt": "Tag",
        "States": {"Tag": {"Type": "Pass", "Result": {"tag": "parsed"}, "ResultPath": "$.tag", "End": True}},
    }
)


def test_each_execution_gets_its_own_program_from_one_parse() -> None:
    install_parsed_definitions()

    first_program, first_tree = AmazonStateLanguageParser.parse(DEFINITION)
    second_program, second_tree = AmazonStateLanguageParser.parse(DEFINITION)

    assert first_tree is second_tree
    assert first_program is not second_program
    assert type(first_program) is type(second_program)


def test_a_definition_with_a_syntax_error_is_refused_every_time() -> None:
    install_parsed_definitions()
    broken = DEFINITION.replace('"StartAt"', '"StartsAt"')

    for _ in range(2):
        with pytest.raises(ASLParserException):
            AmazonStateLanguageParser.parse(broken)
