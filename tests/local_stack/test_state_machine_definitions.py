"""moto parses a state machine's definition, and its JSONPaths, once (local_aws/state_machine_definitions.py)."""

from __future__ import annotations

import json

import pytest
from jsonpath_ng.exceptions import JsonPathParserError
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser, ASLParserException
from moto.stepfunctions.parser.asl.utils import json_path

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


def test_a_json_path_is_parsed_once_and_serves_any_data() -> None:
    install_parsed_definitions()

    assert json_path.parse("$.album.year") is json_path.parse("$.album.year")
    assert json_path.extract_json("$.album.year", {"album": {"year": 1971}}) == 1971
    assert json_path.extract_json("$.album.year", {"album": {"year": 1973}}) == 1973


def test_a_shared_result_path_writes_each_state_output_apart() -> None:
    install_parsed_definitions()
    path = result_path.parse("$.validation.result")

    first = path.update_or_create({"id": 1}, {"accepted": True})
    second = result_path.parse("$.validation.result").update_or_create({"id": 2}, {"accepted": False})

    assert first == {"id": 1, "validation": {"result": {"accepted": True}}}
    assert second == {"id": 2, "validation": {"result": {"accepted": False}}}


def test_a_malformed_json_path_is_refused_every_time() -> None:
    install_parsed_definitions()

    for _ in range(2):
        with pytest.raises(JsonPathParserError):
            json_path.parse("$.album[")
