"""``albums deploy-check``: every check the tests run, on one stack as configured.

The order is the order a deploy depends on: the build, the program under
mocks with the stack's own ``Pulumi.<stack>.yaml``, the sizes Lambda accepts,
the import closure of every handler, then the IAM documents and the state
machine definition. Each check gives one line with its figure; a failed check
lists its findings under it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from albums.deploy_check.asl_check import asl_findings
from albums.deploy_check.findings import Finding
from albums.deploy_check.iam_check import iam_findings
from albums.deploy_check.lambda_checks import import_closure, size_findings
from local_aws.declared_functions import DeclaredFunction, declared_functions
from albums.deploy_check.program_check import STATE_MACHINE_TYPE, policy_documents
from local_aws.pulumi_program import ProgramRun, run_program, stack_file_config
from components.lambda_package import (
    AWS_PLATFORM,
    BUNDLES,
    UNZIPPED_LIMIT_BYTES,
    ZIPPED_UPLOAD_LIMIT_BYTES,
    build_code,
    build_layer,
)

_MB = 1_000_000


@dataclass(frozen=True)
class CheckResult:
    name: str
    figure: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def run_checks(stack: str, config: Mapping[str, Any] | None = None) -> Iterator[CheckResult]:
    """Run every check for ``stack`` with its stack file's config (or ``config``);
    stops after a check the later ones need fails."""
    yield from _build()
    started = time.perf_counter()
    try:
        run = run_program(stack, dict(stack_file_config(stack) if config is None else config))
    except Exception as refused:  # the program's own error names what is wrong
        yield CheckResult("program", f"Pulumi.{stack}.yaml refused", [Finding(str(refused), "__main__.py")])
        return
    yield CheckResult(
        "program",
        f"{len(run.resources)} resources declared for stack {stack} under mocks in {time.perf_counter() - started:.1f} s",
    )
    functions = declared_functions(run)
    yield _sizes(functions)
    yield _imports(functions)
    yield _iam(run)
    yield _asl(run)


def _build() -> Iterator[CheckResult]:
    for bundle in BUNDLES:
        started = time.perf_counter()
        try:
            code = build_code(bundle)
            layer = build_layer(bundle.layer, AWS_PLATFORM)
        except Exception as failed:  # pip's or the packager's own message says why
            yield CheckResult(f"build {bundle.name}", "failed", [Finding(str(failed), bundle.layer.requirements_file.name)])
            continue
        yield CheckResult(
            f"build {bundle.name}",
            f"code {code.zipped_bytes / _MB:.2f} MB zipped, {code.unzipped_bytes / _MB:.2f} MB unzipped; "
            f"layer {layer.zipped_bytes / _MB:.1f} MB zipped, {layer.unzipped_bytes / _MB:.1f} MB unzipped "
            f"({AWS_PLATFORM.key}, {time.perf_counter() - started:.1f} s)",
        )


def _sizes(functions: list[DeclaredFunction]) -> CheckResult:
    largest = max(functions, key=lambda function: function.unzipped_bytes)
    largest_zip = max(artifact.zipped_bytes for function in functions for artifact in (function.code, *function.layers))
    return CheckResult(
        "sizes",
        f"{len(functions)} functions; largest {largest.name} {largest.unzipped_bytes / _MB:.1f} MB unzipped "
        f"of {UNZIPPED_LIMIT_BYTES / _MB:.0f}; largest zip {largest_zip / _MB:.1f} MB of {ZIPPED_UPLOAD_LIMIT_BYTES / _MB:.0f}",
        size_findings(functions),
    )


def _imports(functions: list[DeclaredFunction]) -> CheckResult:
    started = time.perf_counter()
    results = list(import_closure(functions))
    interpreters = ", ".join(sorted({result.interpreter for result in results}))
    return CheckResult(
        "imports",
        f"{sum(result.ok for result in results)}/{len(results)} handlers import from their archive and layers "
        f"({interpreters} twin, {time.perf_counter() - started:.1f} s)",
        [Finding(result.error, result.handler) for result in results if not result.ok],
    )


def _iam(run: ProgramRun) -> CheckResult:
    documents = policy_documents(run)
    return CheckResult(
        "iam",
        f"{len(documents)} policy documents: actions known to the IAM database, none wildcarded, resources ARNs",
        iam_findings(documents),
    )


def _asl(run: ProgramRun) -> CheckResult:
    machines = run.of_type(STATE_MACHINE_TYPE)
    findings = [finding for machine in machines for finding in asl_findings(machine.inputs["definition"])]
    return CheckResult("asl", f"{len(machines)} state machine definition(s) against cfn-lint's schema (E3601)", findings)


def print_results(results: Iterator[CheckResult], write: Callable[[str], None] = print) -> bool:
    """Print one line per check and its findings; True when every check passed."""
    passed = True
    for result in results:
        write(f"{'ok  ' if result.ok else 'FAIL'} {result.name:<26} {result.figure}")
        for finding in result.findings:
            write(f"       {finding}")
        passed = passed and result.ok
    return passed
