"""The functions a run of the Pulumi program declares, with the artifacts they upload.

Read from the run itself (each function's ``code`` archive and ``layers``), so
the local stack runs, and ``albums deploy-check`` checks, what ``pulumi up``
would upload, not a copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from local_aws.pulumi_program import ProgramRun, RecordedResource
from components.lambda_package import LAYERS, BuiltArtifact, LayerSpec, read_artifact

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


def _layer_spec(layer: RecordedResource) -> LayerSpec:
    name = str(layer.inputs["layerName"])
    for spec in LAYERS:
        if name.endswith(spec.name):
            return spec
    raise LookupError(f"layer {name} is none of components.lambda_package.LAYERS")
