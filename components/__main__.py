"""``python -m components``: build every Lambda bundle ahead of ``pulumi up``.

Builds each bundle's code archive and layer for AWS (arm64 python3.13), for
the import check's twin (this machine, Python 3.13 when it has one) and for
the local stack's workers (this interpreter, with the local-only layer: the
runtime interface client), from the cache when
unchanged, and prints each one's sizes in bytes as a JSON line. ``make`` runs
it after installing the venv, so later runs need no package registry.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from components.lambda_package import (
    AWS_PLATFORM,
    BUNDLES,
    LAMBDA_RUNTIME_LAYER,
    artifact_figures,
    build_layer,
    host_platform,
    local_platform,
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m components",
        description="Build every Lambda bundle (code archive and layer) for AWS and for this machine.",
    )
    parser.add_argument("--platform", choices=("aws", "host", "local", "all"), default="all")
    args = parser.parse_args(argv)
    chosen = ("aws", "host", "local") if args.platform == "all" else (args.platform,)
    platforms = {"aws": AWS_PLATFORM, "host": host_platform(), "local": local_platform()}
    for name in chosen:
        for bundle in BUNDLES:
            print(json.dumps(artifact_figures(bundle, platforms[name])))
    if "local" in chosen:
        built = build_layer(LAMBDA_RUNTIME_LAYER, local_platform())
        print(json.dumps({"layer": LAMBDA_RUNTIME_LAYER.name, "platform": local_platform().key,
                          "layer_zipped": built.zipped_bytes, "layer_unzipped": built.unzipped_bytes}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
