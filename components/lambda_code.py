"""The code every function of the stack runs: a code archive and a layer per bundle.

``LambdaCode`` builds each bundle (``components.lambda_package``) for the
stack's platform, publishes its layer as a ``LayerVersion`` and hands each
function a ``FunctionCode``: the archive, its SHA-256 as the function's code
hash (an unchanged archive is no update), and the layer ARNs.

For the local stack (``deployTarget: local``) the layers are built for the
interpreter its workers run; the code archives are the very ones AWS gets. So
a module missing from an archive or a layer fails locally as it would there.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.lambda_package import (
    AWS_PLATFORM,
    BUNDLES,
    LAMBDA_ARCHITECTURE,
    LAMBDA_RUNTIME,
    BuiltArtifact,
    BundleSpec,
    LambdaPlatform,
    LayerSpec,
    build_code,
    build_layer,
    local_platform,
)
from components.settings import StackSettings


@dataclass(frozen=True)
class FunctionCode:
    """What ``aws.lambda_.Function`` takes for one bundle."""

    bundle: str
    archive: pulumi.Archive
    source_code_hash: str
    layers: list[pulumi.Output[str]]


class LambdaCodeArgs:
    def __init__(self, *, settings: StackSettings) -> None:
        self.settings = settings

    @property
    def platform(self) -> LambdaPlatform:
        """arm64 CPython 3.13 for AWS; the local stack's worker interpreter for it."""
        return AWS_PLATFORM if self.settings.deploys_to_aws else local_platform()


class LambdaCode(pulumi.ComponentResource):
    """One published layer per bundle; ``bundle(name)`` gives a function its code."""

    def __init__(self, name: str, args: LambdaCodeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("vinyl:index:LambdaCode", name, {}, opts)
        self._name = name
        self._args = args
        self._code: dict[str, FunctionCode] = {spec.name: self._publish(spec) for spec in BUNDLES}
        self.register_outputs({f"{bundle}LayerArn": code.layers[0] for bundle, code in self._code.items()})

    def bundle(self, name: str) -> FunctionCode:
        return self._code[name]

    def _publish(self, spec: BundleSpec) -> FunctionCode:
        code = build_code(spec)
        return FunctionCode(
            bundle=spec.name,
            archive=pulumi.FileArchive(str(code.zip_path)),
            source_code_hash=code.source_code_hash,
            layers=[self._layer(spec.layer).arn],
        )

    def _layer(self, spec: LayerSpec) -> aws.lambda_.LayerVersion:
        platform = self._args.platform
        artifact: BuiltArtifact = build_layer(spec, platform)
        return aws.lambda_.LayerVersion(
            f"{self._name}-{spec.name}",
            layer_name=self._args.settings.name(spec.name),
            description=f"Pinned dependencies: {spec.requirements_file.parent.name} ({platform.key})",
            code=pulumi.FileArchive(str(artifact.zip_path)),
            source_code_hash=artifact.source_code_hash,
            compatible_runtimes=[LAMBDA_RUNTIME],
            compatible_architectures=[LAMBDA_ARCHITECTURE],
            opts=pulumi.ResourceOptions(parent=self),
        )
