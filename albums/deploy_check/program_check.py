"""What in a run of the Pulumi program the checks look at, and every check on it."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from albums.deploy_check.asl_check import asl_findings
from albums.deploy_check.findings import Finding
from albums.deploy_check.iam_check import PolicyDocument, iam_findings
from local_aws.pulumi_program import ProgramRun

STATE_MACHINE_TYPE = "aws:sfn/stateMachine:StateMachine"


def program_findings(run: ProgramRun) -> list[Finding]:
    """Every check on one program run: its policy documents and each state machine's definition."""
    findings = iam_findings(policy_documents(run))
    for state_machine in run.of_type(STATE_MACHINE_TYPE):
        place = f"{STATE_MACHINE_TYPE} {state_machine.name!r}"
        findings += [
            dataclasses.replace(finding, where=f"{place} {finding.where}")
            for finding in asl_findings(state_machine.inputs["definition"])
        ]
    return findings


def policy_documents(run: ProgramRun) -> list[PolicyDocument]:
    """Every policy document the program declares, wherever it is.

    Any top-level input that is a JSON object with a ``Statement`` counts, so
    a policy on a resource type added later is checked without a change here.
    """
    return [
        PolicyDocument(resource.type, resource.name, input_name, document)
        for resource in run.resources
        for input_name, value in resource.inputs.items()
        if (document := _policy_document(value)) is not None
    ]


def _policy_document(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) and "Statement" in parsed else None
