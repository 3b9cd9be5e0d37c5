"""Checks that know AWS, run on the Pulumi program's declared resources before a deploy.

Each check returns ``Finding``s; an empty list means it passed. The infra tests
run them on every committed stack, and ``albums deploy-check`` is to run the
same checks on the program as the user's stack configures it.
"""

from __future__ import annotations

from albums.deploy_check.asl_check import STATE_MACHINE_SCHEMA_RULE, asl_findings
from albums.deploy_check.findings import Finding
from albums.deploy_check.iam_check import (
    PolicyDocument,
    iam_findings,
    non_arn_resources,
    unknown_actions,
    wildcard_actions,
)
from albums.deploy_check.program_check import policy_documents, program_findings

__all__ = [
    "STATE_MACHINE_SCHEMA_RULE",
    "Finding",
    "PolicyDocument",
    "asl_findings",
    "iam_findings",
    "non_arn_resources",
    "policy_documents",
    "program_findings",
    "unknown_actions",
    "wildcard_actions",
]
