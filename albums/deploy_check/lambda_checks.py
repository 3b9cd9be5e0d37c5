"""Checks on the Lambda code a program run declares: sizes and import closure.

Both read the functions as the program declared them (their ``code`` archive
and ``layers``), so they check what ``pulumi up`` would upload, not a copy.
"""

from __future__ import annotations

from collections.abc import Iterator

from albums.deploy_check.findings import Finding
from albums.deploy_check.import_closure import ImportResult, import_handler
from local_aws.declared_functions import DeclaredFunction
from components.lambda_package import UNZIPPED_LIMIT_BYTES, ZIPPED_UPLOAD_LIMIT_BYTES, build_layer, host_platform

def size_findings(functions: list[DeclaredFunction]) -> list[Finding]:
    """Lambda's limits: 250 MB unzipped for a function and its layers, 50 MB
    zipped for each archive uploaded directly (none goes through S3 here)."""
    findings = []
    for function in functions:
        if function.unzipped_bytes > UNZIPPED_LIMIT_BYTES:
            findings.append(Finding(f"{function.unzipped_bytes:,} bytes unzipped with its layers, over 250 MB", function.name))
        for artifact in (function.code, *function.layers):
            if artifact.zipped_bytes > ZIPPED_UPLOAD_LIMIT_BYTES:
                findings.append(Finding(f"{artifact.zip_path.name} is {artifact.zipped_bytes:,} bytes zipped, over 50 MB", function.name))
    return findings


def import_closure(functions: list[DeclaredFunction]) -> Iterator[ImportResult]:
    """Each function's handler imported from its archive over its layers' host twins."""
    platform = host_platform()
    for function in functions:
        twins = [build_layer(spec, platform) for spec in function.layer_specs]
        yield import_handler(
            function.handler,
            code=function.code,
            layer_trees=[twin.tree for twin in twins],
            platform=platform,
            environment={**function.environment, **_LAMBDA_RUNTIME_ENVIRONMENT},
        )


# What the Lambda runtime sets for every function, as far as imports can see.
_LAMBDA_RUNTIME_ENVIRONMENT = {
    "AWS_REGION": "us-east-2",
    "AWS_DEFAULT_REGION": "us-east-2",
    "AWS_LAMBDA_FUNCTION_NAME": "import-closure",
    "LAMBDA_TASK_ROOT": "/var/task",
}
