"""The rendered state machine definition against cfn-lint's Step Functions schema.

cfn-lint validates the Amazon States Language (rule E3601: state types, the
fields each type requires and allows, ``StartAt`` targets) only inside a
CloudFormation template, offline, from the schema it bundles. So the check
wraps the definition in a one-resource template and keeps E3601's findings:
anything else cfn-lint says would be about the wrapper, not the definition.
"""

from __future__ import annotations

import json
from typing import Any

import cfnlint.api

from albums.deploy_check.findings import Finding

STATE_MACHINE_SCHEMA_RULE = "E3601"

_STATE_MACHINE = "StateMachine"
# Where a finding's path enters the definition: Resources/StateMachine/Properties/Definition.
_DEFINITION_PATH = ("Resources", _STATE_MACHINE, "Properties", "Definition")


def asl_findings(definition: str) -> list[Finding]:
    """Every way this definition (ASL as JSON text) breaks the Step Functions schema.

    A finding's ``where`` is the path inside the definition, e.g.
    ``definition/States/ProcessImage``.
    """
    try:
        parsed = json.loads(definition)
    except json.JSONDecodeError as error:
        return [Finding(f"is not JSON: {error}", "definition")]
    matches = cfnlint.api.lint(json.dumps(_template(parsed)))
    return [
        Finding(match.message, _where(match.path))
        for match in matches
        if match.rule.id == STATE_MACHINE_SCHEMA_RULE
    ]


def _template(definition: Any) -> dict[str, Any]:
    """A valid template around the definition: its other rules have nothing to say."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            _STATE_MACHINE: {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "RoleArn": "arn:aws:iam::123456789012:role/deploy-check",
                    "Definition": definition,
                },
            }
        },
    }


def _where(path: list[str | int]) -> str:
    """``definition/States/<state>/...``: an E3601 path without the template around it."""
    inside = path[len(_DEFINITION_PATH):]
    return "/".join(["definition", *(str(step) for step in inside)])
