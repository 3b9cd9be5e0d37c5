"""Proves that a function's handler imports with only what Lambda would give it.

A fresh interpreter (``-I -S``: no site-packages, no user paths, no
``PYTHONPATH``) gets the function's code archive, extracted, and its layer's
``python/`` folder on ``sys.path``, the function's environment, and imports the
handler's module, then every other module of its package: a handler may load
one later (the price catalog, and numpy with it, loads on the first price),
and a module missing then fails the run, not the import. The AWS layer is built for arm64 and cannot load here, so the
layer is its host-platform twin, built from the same pinned requirements by
the runtime's Python version when this machine has it
(``components.lambda_package.host_platform``). A module missing from the archive
or its requirements fails here as ``Runtime.ImportModuleError`` would on AWS.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from components.lambda_package import LAYER_PREFIX, BuiltArtifact, LambdaPlatform

_IMPORT_HANDLER = """
import importlib, json, sys
paths = json.loads(sys.argv[1])
sys.path[:0] = paths
module_name, _, attribute = sys.argv[2].rpartition(".")
module = importlib.import_module(module_name)
if not callable(getattr(module, attribute, None)):
    raise SystemExit(f"{sys.argv[2]}: {module_name} has no callable {attribute!r}")
import pkgutil
package = importlib.import_module(module_name.partition(".")[0])
for found in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
    importlib.import_module(found.name)
"""


@dataclass(frozen=True)
class ImportResult:
    """Whether ``handler`` imported; ``error`` is the interpreter's last words."""

    handler: str
    interpreter: str
    ok: bool
    error: str


def import_handler(
    handler: str,
    *,
    code: BuiltArtifact,
    layer_trees: Sequence[Path],
    platform: LambdaPlatform,
    environment: Mapping[str, str],
) -> ImportResult:
    """Import ``handler`` (``package.module.function``) from ``code`` over ``layer_trees``."""
    with tempfile.TemporaryDirectory(prefix="import-closure-") as work:
        code_root = Path(work) / "task"
        with zipfile.ZipFile(code.zip_path) as archive:
            archive.extractall(code_root)
        # Lambda's order: the function's own code first, then /opt/python.
        paths = [str(code_root), *(str(tree / LAYER_PREFIX) for tree in layer_trees)]
        result = subprocess.run(
            [platform.installer, "-I", "-S", "-B", "-c", _IMPORT_HANDLER, json.dumps(paths), handler],
            capture_output=True,
            text=True,
            env=dict(environment),
            cwd=work,
            check=False,
        )
    error = result.stderr.strip().splitlines()[-1] if result.returncode else ""
    return ImportResult(handler=handler, interpreter=platform.key, ok=result.returncode == 0, error=error)
