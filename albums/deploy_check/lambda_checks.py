"""Checks on the Lambda code a program run declares: sizes and import closure.

Both read the functions as the program declared them (their ``code`` archive
and ``layers``), so they check what ``pulumi up`` would upload, not a copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from albums.deploy_check.findings import Finding
from albums.deploy_check.import_closure import ImportResult, import_handler
from albums.local_stack.pulumi_program import ProgramRun, RecordedResource
from components.lambda_package import (
    LAYERS,
    UNZIPPED_LIMIT_BYTES,
    ZIPPED_UPLOAD_LIMIT_BYTES,
    BuiltArtifact,
    LayerSpec,
    build_layer,
    host_platform,
    read_artifact,
)

FUNCTION_TYPE = "aws:lambda/function:Function"
LAYER_TYPE = "aws:lambda/layerVersion:LayerVersion"


@dataclass(frozen=True)
class DeclaredFunction:
    """One function of the program with the artifacts it uploads."""

    name: str
    handler: str
    environment: dict[str, str]
    timeout_seconds: int
    memory_mb: int
    code: BuiltArtifact
    layers: tuple[BuiltArtifact, ...]
    layer_specs: tuple[LayerSpec, ...]

    @property
    def unzipped_bytes(self) -> int:
        return self.code.unzipped_bytes + sum(layer.unzipped_bytes for layer in self.layers)


def declared_functions(run: ProgramRun) -> list[DeclaredFunction]:
    layers_by_name = {str(layer.inputs["layerName"]): layer for layer in run.of_type(LAYER_TYPE)}
    functions = []
    for function in run.of_type(FUNCTION_TYPE):
        inputs = function.inputs
        # A layer version ARN: arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION.
        layer_resources = [layers_by_name[arn.split(":")[6]] for arn in inputs.get("layers") or []]
        functions.append(
            DeclaredFunction(
                name=str(inputs["name"]),
                handler=str(inputs["handler"]),
                environment=dict((inputs.get("environment") or {}).get("variables") or {}),
                timeout_seconds=int(inputs.get("timeout", 3)),
                memory_mb=int(inputs.get("memorySize", 128)),
                code=read_artifact(Path(inputs["code"].path)),
                layers=tuple(read_artifact(Path(layer.inputs["code"].path)) for layer in layer_resources),
                layer_specs=tuple(_layer_spec(layer) for layer in layer_resources),
            )
        )
    return functions


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


def _layer_spec(layer: RecordedResource) -> LayerSpec:
    name = str(layer.inputs["layerName"])
    for spec in LAYERS:
        if name.endswith(spec.name):
            return spec
    raise LookupError(f"layer {name} is none of components.lambda_package.LAYERS")
