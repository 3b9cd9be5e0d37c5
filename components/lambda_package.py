"""Builds the one Lambda archive every function of the stack runs from.

The archive holds the function packages from ``functions/`` plus the wheels of
``functions/requirements.txt`` installed for the Lambda runtime (CPython 3.13 on
arm64: ``manylinux2014_aarch64`` binary wheels only, never an sdist built for
this machine). It is reproducible: entries sorted, fixed timestamps and modes,
no caches, tests or install records, so an unchanged tree gives the same bytes
and Pulumi sees no change. A binary for any machine but aarch64 fails the build.

Run ``python -m components.lambda_package OUTPUT.zip`` to build it ahead of time
(e.g. in CI) and point ``vinyl-album-registry:lambdaArchivePath`` at it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pulumi

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS_ROOT = PROJECT_ROOT / "functions"
REQUIREMENTS_FILE = FUNCTIONS_ROOT / "requirements.txt"
FUNCTION_PACKAGES = ("album_registry",)
DEFAULT_ARCHIVE_PATH = PROJECT_ROOT / "build" / "lambda.zip"

LAMBDA_RUNTIME = "python3.13"
LAMBDA_ARCHITECTURE = "arm64"
WHEEL_PLATFORM = "manylinux2014_aarch64"
WHEEL_PYTHON_VERSION = "3.13"

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIPPED_DIRECTORIES = frozenset({"__pycache__", "tests", "test", ".pytest_cache", ".hypothesis"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo")
# Install bookkeeping that differs per build and is useless at run time; METADATA
# stays, so importlib.metadata still finds versions.
_SKIPPED_DIST_INFO_FILES = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
# pip --target puts console scripts here, with this machine's interpreter path.
_SKIPPED_TOP_LEVEL = frozenset({"bin"})

_ELF_MAGIC = b"\x7fELF"
_ELF_MACHINE_AARCH64 = 183


class ForeignBinaryError(Exception):
    """A native library in the archive would not load on arm64 Lambda."""

    def __init__(self, *, path: str, machine: int) -> None:
        super().__init__(f"{path} is an ELF binary for machine {machine}, not aarch64")
        self.path = path
        self.machine = machine


class DependencyInstallError(Exception):
    def __init__(self, *, returncode: int, output: str) -> None:
        super().__init__(f"pip install for the Lambda platform failed ({returncode}):\n{output}")
        self.returncode = returncode
        self.output = output


def read_requirements(path: Path = REQUIREMENTS_FILE) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def pip_install_command(
    target: Path,
    requirements: Sequence[str],
    *,
    find_links: Sequence[Path] = (),
    no_index: bool = False,
) -> list[str]:
    """The pip call that installs Lambda-platform wheels into ``target``."""
    command = [
        sys.executable, "-m", "pip", "install",
        "--platform", WHEEL_PLATFORM,
        "--implementation", "cp",
        "--python-version", WHEEL_PYTHON_VERSION,
        "--only-binary=:all:",
        "--no-compile",
        "--disable-pip-version-check",
        "--target", str(target),
    ]
    if no_index:
        command.append("--no-index")
    for link in find_links:
        command += ["--find-links", str(link)]
    return command + list(requirements)


def build_lambda_archive(
    output: Path,
    *,
    source_root: Path = FUNCTIONS_ROOT,
    packages: Sequence[str] = FUNCTION_PACKAGES,
    requirements: Sequence[str] | None = None,
    find_links: Sequence[Path] = (),
    no_index: bool = False,
) -> Path:
    """Build the archive at ``output`` and return its path.

    ``requirements`` defaults to ``functions/requirements.txt``; an empty list
    installs nothing (no pip call at all). ``find_links``/``no_index`` pass to
    pip, so a test can install a local wheel without a network.
    """
    wanted = read_requirements() if requirements is None else list(requirements)
    with tempfile.TemporaryDirectory(prefix="lambda-build-") as staging_name:
        staging = Path(staging_name)
        if wanted:
            _install_dependencies(staging, wanted, find_links=find_links, no_index=no_index)
        for package in packages:
            shutil.copytree(
                source_root / package,
                staging / package,
                ignore=shutil.ignore_patterns(*_SKIPPED_DIRECTORIES, "*.pyc", "*.pyo"),
            )
        entries = sorted(_archive_entries(staging))
        _reject_foreign_binaries(staging, entries)
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        _write_zip(partial, staging, entries)
        os.replace(partial, output)
    return output


def lambda_code(archive_path: Path | None) -> pulumi.Archive:
    """The code of every function: a prebuilt archive, or one built now."""
    if archive_path is not None:
        return pulumi.FileArchive(str(archive_path))
    return pulumi.FileArchive(str(build_lambda_archive(DEFAULT_ARCHIVE_PATH)))


def _install_dependencies(
    target: Path, requirements: Sequence[str], *, find_links: Sequence[Path], no_index: bool
) -> None:
    command = pip_install_command(target, requirements, find_links=find_links, no_index=no_index)
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DependencyInstallError(returncode=result.returncode, output=result.stdout + result.stderr)


def _archive_entries(root: Path) -> Iterator[str]:
    for directory, subdirectories, files in os.walk(root):
        relative_directory = Path(directory).relative_to(root)
        subdirectories[:] = [
            name
            for name in subdirectories
            if name not in _SKIPPED_DIRECTORIES
            and not (relative_directory == Path(".") and name in _SKIPPED_TOP_LEVEL)
        ]
        in_dist_info = relative_directory.name.endswith(".dist-info")
        for name in files:
            if name.endswith(_SKIPPED_SUFFIXES):
                continue
            if in_dist_info and name in _SKIPPED_DIST_INFO_FILES:
                continue
            yield (relative_directory / name).as_posix()


def _reject_foreign_binaries(root: Path, entries: Sequence[str]) -> None:
    for entry in entries:
        with (root / entry).open("rb") as handle:
            header = handle.read(20)
        if len(header) < 20 or not header.startswith(_ELF_MAGIC):
            continue
        byte_order = "little" if header[5] == 1 else "big"
        machine = int.from_bytes(header[18:20], byte_order)
        if machine != _ELF_MACHINE_AARCH64:
            raise ForeignBinaryError(path=entry, machine=machine)


def _write_zip(path: Path, root: Path, entries: Sequence[str]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for entry in entries:
            source = root / entry
            executable = source.stat().st_mode & stat.S_IXUSR
            info = zipfile.ZipInfo(entry, date_time=_ZIP_EPOCH)
            info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, source.read_bytes())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Lambda archive of the stack.")
    parser.add_argument("output", type=Path, nargs="?", default=DEFAULT_ARCHIVE_PATH)
    args = parser.parse_args(argv)
    print(build_lambda_archive(args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
