"""``python -m components``: build every Lambda bundle ahead of ``pulumi up``.

Builds each bundle's code archive and layer for AWS (arm64 python3.13) and for
this machine (the local stack's and the import check's twin), from the cache
when unchanged, and prints each one's sizes in bytes as a JSON line. ``make``
runs it after installing the venv, so later runs need no package registry.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from components.lambda_package import AWS_PLATFORM, BUNDLES, artifact_figures, host_platform


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m components",
        description="Build every Lambda bundle (code archive and layer) for AWS and for this machine.",
    )
    parser.add_argument("--platform", choices=("aws", "host", "all"), default="all")
    args = parser.parse_args(argv)
    platforms = {"aws": [AWS_PLATFORM], "host": [host_platform()], "all": [AWS_PLATFORM, host_platform()]}
    for platform in platforms[args.platform]:
        for bundle in BUNDLES:
            print(json.dumps(artifact_figures(bundle, platform)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
