"""Builds what the stack's Lambdas run: one code archive per bundle, one layer per bundle.

A *bundle* is what a group of functions imports: its source packages from
``functions/`` (the code archive) and the fully pinned wheels of its
``requirements.txt`` (the layer, under ``python/`` as Lambda expects). Every
function of the registry runs the ``album-registry`` bundle; the seed's durable
examples run ``durable-examples``, which carries no registry code and no
pydantic, numpy or rapidfuzz.

Layers are resolved for a *platform*:

- ``AWS_PLATFORM``: CPython 3.13 on arm64 Amazon Linux 2023 (glibc 2.34), so
  pip is given every ``manylinux_2_17`` … ``manylinux_2_34`` aarch64 tag, binary
  wheels only; many current wheels are tagged ``manylinux_2_28`` alone.
- ``host_platform()``: this machine's twin of the same requirements, built by
  the runtime's Python version when the machine has one, for the import-closure
  check and the local stack (this machine is x86_64, so the AWS layer cannot be
  imported here).

Builds are reproducible (sorted entries, fixed timestamps and modes, no caches,
tests or install records; every installed distribution must be pinned in the
requirements file) and cached under ``build/lambda`` by the hash of their
inputs, so an unchanged tree gives the same bytes, the same code hash and no
update, and a second build is a file lookup.

``python -m components`` builds every bundle for both platforms and prints
each artifact's sizes.
"""

from __future__ import annotations

import base64
import glob
import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS_ROOT = PROJECT_ROOT / "functions"
BUILD_ROOT = PROJECT_ROOT / "build" / "lambda"

LAMBDA_RUNTIME = "python3.13"
LAMBDA_ARCHITECTURE = "arm64"
LAMBDA_PYTHON_VERSION = "3.13"
# Amazon Linux 2023, under the python3.13 runtime, has glibc 2.34.
_LAMBDA_GLIBC_MINOR = 34
_MANYLINUX_OLDEST_MINOR = 17
# Lambda's limits for a function plus all its layers, and for a direct upload.
UNZIPPED_LIMIT_BYTES = 250 * 1000 * 1000
ZIPPED_UPLOAD_LIMIT_BYTES = 50 * 1000 * 1000
# Layers are extracted to /opt; Python runtimes put /opt/python on sys.path.
LAYER_PREFIX = "python"
# Part of every cache key: bump it when the archive layout changes.
_BUILDER_VERSION = "2"

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIPPED_DIRECTORIES = frozenset({"__pycache__", "tests", "test", ".pytest_cache", ".hypothesis"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo")
# The requirements file sits in the package folder but is an input of the layer.
_SKIPPED_SOURCE_FILES = frozenset({"requirements.txt"})
# Install bookkeeping that differs per build and is useless at run time; METADATA
# stays, so importlib.metadata still finds versions.
_SKIPPED_DIST_INFO_FILES = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
# pip --target puts console scripts here, with this machine's interpreter path.
_SKIPPED_TOP_LEVEL = frozenset({"bin"})
_PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([A-Za-z0-9.+!-]+)$")

_ELF_MAGIC = b"\x7fELF"
ELF_MACHINE_AARCH64 = 183
ELF_MACHINE_X86_64 = 62
_ELF_MACHINES = {"aarch64": ELF_MACHINE_AARCH64, "arm64": ELF_MACHINE_AARCH64, "x86_64": ELF_MACHINE_X86_64}


class ForeignBinaryError(Exception):
    """A native library in an artifact would not load on its platform."""

    def __init__(self, *, path: str, machine: int, expected: int) -> None:
        super().__init__(f"{path} is an ELF binary for machine {machine}, not {expected}")
        self.path = path
        self.machine = machine
        self.expected = expected


class DependencyInstallError(Exception):
    """pip could not install a layer's requirements for its platform."""

    def __init__(self, *, layer: str, platform: str, returncode: int, output: str) -> None:
        super().__init__(
            f"pip could not install the {layer} layer's requirements for {platform} ({returncode}):\n{output}"
        )
        self.layer = layer
        self.platform = platform
        self.returncode = returncode
        self.output = output


class UnpinnedRequirementError(Exception):
    """A requirements file names a dependency without an exact version, or the
    install brought in a distribution the file does not pin: either would let the
    same inputs build different layers."""

    def __init__(self, *, requirements_file: Path, names: Sequence[str]) -> None:
        super().__init__(
            f"{requirements_file} must pin every distribution it installs with '==': {', '.join(names)}"
        )
        self.requirements_file = requirements_file
        self.names = tuple(names)


@dataclass(frozen=True)
class LambdaPlatform:
    """Where a layer's native code must run, and how pip resolves for it.

    ``platform_tags`` empty means the installing interpreter's own platform.
    """

    key: str
    installer: str
    python_version: str
    elf_machine: int
    platform_tags: tuple[str, ...] = ()

    def pip_install_command(self, target: Path, requirements_file: Path) -> list[str]:
        command = [
            self.installer, "-m", "pip", "install",
            "--only-binary=:all:",
            "--no-compile",
            "--disable-pip-version-check",
            "--no-warn-script-location",
            "--target", str(target),
            "--requirement", str(requirements_file),
        ]
        if self.platform_tags:
            command += ["--implementation", "cp", "--python-version", self.python_version]
            for tag in self.platform_tags:
                command += ["--platform", tag]
        return command


def _manylinux_tags(architecture: str, glibc_minor: int) -> tuple[str, ...]:
    newest_first = range(glibc_minor, _MANYLINUX_OLDEST_MINOR - 1, -1)
    return (*(f"manylinux_2_{minor}_{architecture}" for minor in newest_first), f"manylinux2014_{architecture}")


AWS_PLATFORM = LambdaPlatform(
    key=f"aws-py{LAMBDA_PYTHON_VERSION}-aarch64",
    installer=sys.executable,
    python_version=LAMBDA_PYTHON_VERSION,
    elf_machine=ELF_MACHINE_AARCH64,
    platform_tags=_manylinux_tags("aarch64", _LAMBDA_GLIBC_MINOR),
)


@cache
def host_platform() -> LambdaPlatform:
    """This machine's twin of the Lambda platform: the runtime's Python version
    (3.13) when an interpreter of it runs here, else the interpreter running this."""
    interpreter = twin_interpreter()
    version = subprocess.run(
        [interpreter, "-c", "import platform, sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}', platform.machine())"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    python_version, machine = version[0], version[1]
    return LambdaPlatform(
        key=f"host-py{python_version}-{machine}",
        installer=interpreter,
        python_version=python_version,
        elf_machine=_ELF_MACHINES[machine],
    )


@cache
def local_platform() -> LambdaPlatform:
    """The local stack's workers: the interpreter running the stack, without its
    site-packages."""
    machine = os.uname().machine
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    return LambdaPlatform(
        key=f"local-py{version}-{machine}",
        installer=sys.executable,
        python_version=version,
        elf_machine=_ELF_MACHINES[machine],
    )


@cache
def twin_interpreter() -> str:
    """A Python of the Lambda runtime's version on this machine, if there is one.

    ``LAMBDA_TWIN_PYTHON`` names one explicitly; otherwise ``python3.13`` on PATH
    or under pyenv; otherwise the interpreter running this code.
    """
    explicit = os.environ.get("LAMBDA_TWIN_PYTHON")
    candidates = [explicit] if explicit else [
        shutil.which(f"python{LAMBDA_PYTHON_VERSION}"),
        *sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{LAMBDA_PYTHON_VERSION}.*/bin/python{LAMBDA_PYTHON_VERSION}"))),
    ]
    for candidate in candidates:
        if candidate and _runs_with_pip(candidate):
            return candidate
    return sys.executable


def _runs_with_pip(interpreter: str) -> bool:
    probe = subprocess.run([interpreter, "-m", "pip", "--version"], capture_output=True, check=False)
    return probe.returncode == 0


@dataclass(frozen=True)
class LayerSpec:
    """A layer: the distributions its requirements file pins."""

    name: str
    requirements_file: Path


@dataclass(frozen=True)
class BundleSpec:
    """What a group of functions runs: source packages over one layer."""

    name: str
    packages: tuple[str, ...]
    layer: LayerSpec
    source_root: Path = FUNCTIONS_ROOT


REGISTRY_BUNDLE = BundleSpec(
    name="album-registry",
    packages=("album_registry",),
    layer=LayerSpec("album-registry-deps", FUNCTIONS_ROOT / "album_registry" / "requirements.txt"),
)
DURABLE_EXAMPLES_BUNDLE = BundleSpec(
    name="durable-examples",
    packages=("durable_examples",),
    layer=LayerSpec("durable-examples-deps", FUNCTIONS_ROOT / "durable_examples" / "requirements.txt"),
)
BUNDLES = (REGISTRY_BUNDLE, DURABLE_EXAMPLES_BUNDLE)
# What the Lambda runtime itself brings (its runtime interface client), for the
# local stack's workers; no function archive carries it.
LAMBDA_RUNTIME_LAYER = LayerSpec(
    "lambda-runtime-interface-client", PROJECT_ROOT / "local_aws" / "runtime-requirements.txt"
)
LAYERS = tuple(bundle.layer for bundle in BUNDLES)


@dataclass(frozen=True)
class BuiltArtifact:
    """A built zip, its staged tree (what the zip holds), and its figures."""

    zip_path: Path
    tree: Path
    sha256: str
    zipped_bytes: int
    unzipped_bytes: int

    @property
    def source_code_hash(self) -> str:
        """Base64 SHA-256, as Lambda reports ``CodeSha256``."""
        return base64.b64encode(bytes.fromhex(self.sha256)).decode("ascii")


def read_pins(requirements_file: Path) -> dict[str, str]:
    """The distributions a requirements file pins, by normalized name.

    Raises ``UnpinnedRequirementError`` for any line that is not ``name==version``.
    """
    pins: dict[str, str] = {}
    unpinned: list[str] = []
    for raw in requirements_file.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _PINNED.match(line)
        if match is None:
            unpinned.append(line)
            continue
        pins[_normalize(match.group(1))] = match.group(2)
    if unpinned:
        raise UnpinnedRequirementError(requirements_file=requirements_file, names=unpinned)
    return pins


def build_layer(spec: LayerSpec, platform: LambdaPlatform, *, build_root: Path = BUILD_ROOT) -> BuiltArtifact:
    """The layer of ``spec`` for ``platform``, built now or taken from the cache."""
    requirements = spec.requirements_file.read_bytes()
    pins = read_pins(spec.requirements_file)
    key = _digest(_BUILDER_VERSION.encode(), platform.key.encode(), requirements)
    destination = build_root / "layers" / f"{spec.name}-{platform.key}-{key[:16]}"

    def stage(staging: Path) -> None:
        site = staging / LAYER_PREFIX
        command = platform.pip_install_command(site, spec.requirements_file)
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise DependencyInstallError(
                layer=spec.name, platform=platform.key, returncode=result.returncode,
                output=result.stdout + result.stderr,
            )
        stray = sorted(set(_installed_distributions(site)) - set(pins))
        if stray:
            raise UnpinnedRequirementError(requirements_file=spec.requirements_file, names=stray)

    return _cached_build(destination, stage, platform.elf_machine)


def build_code(spec: BundleSpec, *, build_root: Path = BUILD_ROOT) -> BuiltArtifact:
    """The code archive of ``spec``: its source packages, no tests or caches."""
    sources = sorted(_source_files(spec))
    key = _digest(
        _BUILDER_VERSION.encode(),
        *(part for relative in sources for part in (relative.encode(), (spec.source_root / relative).read_bytes())),
    )
    destination = build_root / "code" / f"{spec.name}-{key[:16]}"

    def stage(staging: Path) -> None:
        for relative in sources:
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(spec.source_root / relative, target)

    # Source code carries no native binaries; any ELF file in it is foreign.
    return _cached_build(destination, stage, elf_machine=None)


def _source_files(spec: BundleSpec) -> Iterator[str]:
    for package in spec.packages:
        for relative in _tree_entries(spec.source_root, spec.source_root / package):
            if relative.rsplit("/", 1)[-1] in _SKIPPED_SOURCE_FILES:
                continue
            yield relative


def _cached_build(destination: Path, stage: Callable[[Path], None], elf_machine: int | None) -> BuiltArtifact:
    """Stage into a fresh folder, check, zip, then move into place atomically,
    so an interrupted build never leaves a cache entry behind."""
    zip_path = destination.parent / f"{destination.name}.zip"
    if not (zip_path.exists() and destination.is_dir()):
        destination.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=destination.name + "-", dir=destination.parent) as work_name:
            work = Path(work_name)
            staging = work / "tree"
            staging.mkdir()
            stage(staging)
            entries = sorted(_tree_entries(staging, staging))
            _reject_foreign_binaries(staging, entries, elf_machine)
            _write_zip(work / "archive.zip", staging, entries)
            shutil.rmtree(destination, ignore_errors=True)
            os.replace(staging, destination)
            os.replace(work / "archive.zip", zip_path)
    return read_artifact(zip_path)


@cache
def read_artifact(zip_path: Path) -> BuiltArtifact:
    """A built zip's figures; its staged tree sits beside it, named without ``.zip``.

    Read once per process: a zip's name carries the hash of its inputs and the
    build is reproducible, so the file at a path never changes (a layer is
    tens of MB, and every function of a program run names one).
    """
    data = zip_path.read_bytes()
    with zipfile.ZipFile(zip_path) as archive:
        unzipped = sum(info.file_size for info in archive.infolist())
    return BuiltArtifact(
        zip_path=zip_path,
        tree=zip_path.with_name(zip_path.name.removesuffix(".zip")),
        sha256=hashlib.sha256(data).hexdigest(),
        zipped_bytes=len(data),
        unzipped_bytes=unzipped,
    )


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _installed_distributions(site: Path) -> Iterator[str]:
    for dist_info in site.glob("*.dist-info"):
        metadata = (dist_info / "METADATA").read_text(encoding="utf-8", errors="replace")
        name = next(line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Name:"))
        yield _normalize(name)


def _tree_entries(root: Path, top: Path) -> Iterator[str]:
    for directory, subdirectories, files in os.walk(top):
        relative_directory = Path(directory).relative_to(root)
        subdirectories[:] = [
            name
            for name in subdirectories
            if name not in _SKIPPED_DIRECTORIES
            and not (relative_directory.parent == Path(".") and relative_directory.name == LAYER_PREFIX
                     and name in _SKIPPED_TOP_LEVEL)
        ]
        in_dist_info = relative_directory.name.endswith(".dist-info")
        for name in files:
            if name.endswith(_SKIPPED_SUFFIXES):
                continue
            if in_dist_info and name in _SKIPPED_DIST_INFO_FILES:
                continue
            yield (relative_directory / name).as_posix()


def _reject_foreign_binaries(root: Path, entries: Sequence[str], expected: int | None) -> None:
    for entry in entries:
        with (root / entry).open("rb") as handle:
            header = handle.read(20)
        if len(header) < 20 or not header.startswith(_ELF_MAGIC):
            continue
        byte_order = "little" if header[5] == 1 else "big"
        machine = int.from_bytes(header[18:20], byte_order)
        if machine != expected:
            raise ForeignBinaryError(path=entry, machine=machine, expected=expected or 0)


def _write_zip(path: Path, root: Path, entries: Sequence[str]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for entry in entries:
            source = root / entry
            executable = source.stat().st_mode & stat.S_IXUSR
            info = zipfile.ZipInfo(entry, date_time=_ZIP_EPOCH)
            info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, source.read_bytes())


def artifact_figures(bundle: BundleSpec, platform: LambdaPlatform) -> dict[str, object]:
    """What a bundle's function uploads on ``platform``, in bytes."""
    code = build_code(bundle)
    layer = build_layer(bundle.layer, platform)
    return {
        "bundle": bundle.name,
        "platform": platform.key,
        "code_zipped": code.zipped_bytes,
        "code_unzipped": code.unzipped_bytes,
        "layer_zipped": layer.zipped_bytes,
        "layer_unzipped": layer.unzipped_bytes,
        "function_unzipped": code.unzipped_bytes + layer.unzipped_bytes,
    }
