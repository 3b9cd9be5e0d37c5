"""IAM checks that know AWS: real actions, no wildcard actions, ARN resources.

"Real" means listed in the AWS Service Authorization Reference, as bundled by
``policy_sentry`` (its ``iam-definition.json``; ``~/.policy_sentry/`` holds a
newer copy if someone ran ``policy_sentry initialize --fetch``), so the checks
run offline. IAM accepts a policy that names an action no service has, and
that grant then allows nothing: only such a database catches it before a call
fails with ``AccessDenied``.

Every check takes the program's policy documents and returns findings; none
means the check passed.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from policy_sentry.querying.actions import get_actions_for_service

from albums.deploy_check.findings import Finding
from components.iam_policies import UNSCOPED_STATEMENT_SIDS

PolicyKind = Literal["identity", "trust", "resource"]

# IAM's wildcards in an action: ``*`` for any run of characters, ``?`` for one.
_ACTION_WILDCARDS = ("*", "?")


@dataclass(frozen=True)
class PolicyDocument:
    """One policy document the program declares, parsed, and the resource input that holds it."""

    resource_type: str
    resource_name: str
    input_name: str
    document: dict[str, Any]

    @property
    def kind(self) -> PolicyKind:
        """How AWS reads the document.

        A role's ``assumeRolePolicy`` is a trust policy: who may assume the role,
        with no Resource. Any other document of an ``aws:iam/`` resource grants
        its role (user, group) actions on resources; a document of another
        service's resource (a queue policy) says who may act on that resource.
        """
        if self.input_name == "assumeRolePolicy":
            return "trust"
        return "identity" if self.resource_type.startswith("aws:iam/") else "resource"

    @property
    def where(self) -> str:
        return f"{self.resource_type} {self.resource_name!r} {self.input_name}"

    def statements(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Each statement, with where it is: this document and the statement's Sid (or position)."""
        for position, statement in enumerate(_as_list(self.document["Statement"])):
            label = repr(statement["Sid"]) if "Sid" in statement else f"#{position}"
            yield f"{self.where} statement {label}", statement


def iam_findings(documents: Sequence[PolicyDocument]) -> list[Finding]:
    """Every IAM check on these documents."""
    return unknown_actions(documents) + wildcard_actions(documents) + non_arn_resources(documents)


def unknown_actions(documents: Sequence[PolicyDocument]) -> list[Finding]:
    """Actions that name no action of their service, or a service IAM does not have.

    A wildcard action counts as known when it matches a real action;
    ``wildcard_actions`` reports it.
    """
    findings = []
    for document in documents:
        for where, statement in document.statements():
            for action in _as_list(statement.get("Action", [])):
                problem = _unknown_action_problem(action)
                if problem:
                    findings.append(Finding(problem, where))
    return findings


def wildcard_actions(documents: Sequence[PolicyDocument]) -> list[Finding]:
    """Actions with ``*`` or ``?``: every statement names the exact actions it grants."""
    return [
        Finding(f"grants the wildcard action {action!r}: name each action", where)
        for document in documents
        for where, statement in document.statements()
        for action in _as_list(statement.get("Action", []))
        if any(wildcard in action for wildcard in _ACTION_WILDCARDS)
    ]


def non_arn_resources(documents: Sequence[PolicyDocument]) -> list[Finding]:
    """Resources that are not ARNs, and ``"*"`` outside the documented exceptions.

    ``"*"`` is allowed only in statements whose Sid is in
    ``components.iam_policies.UNSCOPED_STATEMENT_SIDS`` (APIs that take no
    resource ARN). A grant must name its resources, so an identity or resource
    policy statement without a Resource is a finding; a trust policy statement
    with one is too, since IAM refuses Resource there.
    """
    findings = []
    for document in documents:
        for where, statement in document.statements():
            if document.kind == "trust":
                if "Resource" in statement:
                    findings.append(Finding("a trust policy takes no Resource", where))
                continue
            if "Resource" not in statement:
                findings.append(Finding("grants without a Resource", where))
                continue
            for resource in _as_list(statement["Resource"]):
                problem = _resource_problem(resource, statement.get("Sid"))
                if problem:
                    findings.append(Finding(problem, where))
    return findings


def _unknown_action_problem(action: str) -> str | None:
    service, separator, name = action.partition(":")
    if not separator or not service or not name:
        return f"action {action!r} is not of the form service:Action"
    known = get_actions_for_service(service.lower(), lowercase=True)
    if not known:
        return f"action {action!r} names the service {service!r}, which IAM does not have"
    if not fnmatch.filter(known, action.lower()):
        return f"grants {action!r}, which is not an action of {service!r}"
    return None


def _resource_problem(resource: str, sid: str | None) -> str | None:
    if resource == "*":
        if sid in UNSCOPED_STATEMENT_SIDS:
            return None
        exceptions = ", ".join(sorted(UNSCOPED_STATEMENT_SIDS))
        return f"grants on every resource ('*'), and Sid {sid!r} is not one of the exceptions ({exceptions})"
    if not _is_arn(resource):
        return f"resource {resource!r} is not an ARN"
    return None


def _is_arn(resource: str) -> bool:
    """``arn:partition:service:region:account:resource``: six fields, the last may hold colons."""
    return resource.startswith("arn:") and len(resource.split(":", 5)) == 6


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
