"""The code every function of the stack runs: a code archive and a layer per bundle.

``LambdaCode`` builds each bundle (``components.lambda_package``) for the
stack's platform, publishes its layer as a ``LayerVersion`` and hands each
function a ``FunctionCode``: the archive, its SHA-256 as the function's code
hash (an unchanged archive is no update), and the layer ARNs.
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
    build_code,
    build_layer,
    host_platform,
)
from components.settings import StackSettings


@dataclass(frozen=True)
class FunctionCode:
    """What ``aws.lambda_.Function`` takes for one bundle."""

    bundle: str
    archive: pulumi.Archive
    source_code_hash: str
    layers: list[pulumi.Output[str]]
    code_artifact: BuiltArtifact
    layer_artifact: BuiltArtifact


class LambdaCodeArgs:
    def __init__(self, *, settings: StackSettings) -> None:
        self.settings = settings

    @property
    def platform(self) -> LambdaPlatform:
        """arm64 CPython 3.13 for AWS; this machine's twin for the local stack,
        whose workers run the code here."""
        return AWS_PLATFORM if self.settings.deploys_to_aws else host_platform()


class LambdaCode(pulumi.ComponentResource):
    """One published layer per bundle; ``bundle(name)`` gives a function its code."""

    def __init__(self, name: str, args: LambdaCodeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("vinyl:index:LambdaCode", name, {}, opts)
        self._code: dict[str, FunctionCode] = {}
        for spec in BUNDLES:
            self._code[spec.name] = self._publish(name, spec, args)
        self.register_outputs(
            {
                f"{bundle}LayerArn": code.layers[0]
                for bundle, code in self._code.items()
            }
        )

    def _publish(self, name: str, spec: BundleSpec, args: LambdaCodeArgs) -> FunctionCode:
        code = build_code(spec)
        layer_artifact = build_layer(spec.layer, args.platform)
        layer = aws.lambda_.LayerVersion(
            f"{name}-{spec.layer.name}",
            layer_name=args.settings.name(spec.layer.name),
            description=f"Pinned dependencies of the {spec.name} functions ({args.platform.key})",
            code=pulumi.FileArchive(str(layer_artifact.zip_path)),
            source_code_hash=layer_artifact.source_code_hash,
            compatible_runtimes=[LAMBDA_RUNTIME],
            compatible_architectures=[LAMBDA_ARCHITECTURE],
            opts=pulumi.ResourceOptions(parent=self),
        )
        return FunctionCode(
            bundle=spec.name,
            archive=pulumi.FileArchive(str(code.zip_path)),
            source_code_hash=code.source_code_hash,
            layers=[layer.arn],
            code_artifact=code,
            layer_artifact=layer_artifact,
        )

    def bundle(self, name: str) -> FunctionCode:
        return self._code[name]
