"""``albums deploy-check``: what ``pulumi up`` would upload, checked before it does."""

from __future__ import annotations

import argparse
from typing import Any

AWS_STACKS = ("dev", "bench")


def register(subparsers: Any) -> None:
    check = subparsers.add_parser(
        "deploy-check",
        help="build the Lambda code and check the stack's program as `pulumi up` would run it",
        description=(
            "Builds every Lambda bundle for arm64 python3.13, runs the Pulumi program under mocks with "
            "Pulumi.STACK.yaml, and checks sizes, each handler's import closure, IAM actions and resources, "
            "and the state machine definition. One line per check; exit 1 when any fails."
        ),
    )
    check.add_argument("--stack", choices=AWS_STACKS, default="dev")
    check.set_defaults(handler=run_deploy_check)


def run_deploy_check(args: argparse.Namespace) -> int:
    # cfn-lint and policy_sentry load only when the check runs.
    from albums.deploy_check.checklist import print_results, run_checks

    return 0 if print_results(run_checks(args.stack)) else 1
