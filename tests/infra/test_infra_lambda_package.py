"""The Lambda bundles: code archives and layers, reproducible, pinned, for arm64.

The first tests build small fixture bundles; the layer tests install a wheel
written here, through the real pip command, with ``--no-index`` set through
pip's own environment variables, so nothing is downloaded. The last tests
resolve the project's real requirements for the Lambda platform (from the
package registry, at build time) and check what comes out.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest

from components.lambda_package import (
    AWS_PLATFORM,
    BUNDLES,
    ELF_MACHINE_AARCH64,
    ELF_MACHINE_X86_64,
    REGISTRY_BUNDLE,
    BundleSpec,
    DependencyInstallError,
    ForeignBinaryError,
    LambdaPlatform,
    LayerSpec,
    UnpinnedRequirementError,
    build_code,
    build_layer,
    read_pins,
)


def _elf(machine: int) -> bytes:
    """The first bytes of a 64-bit little-endian ELF shared object for ``machine``."""
    identity = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    return identity + struct.pack("<HH", 3, machine) + bytes(44)


def _write(path: Path, content: str | bytes = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def _names(archive: Path) -> list[str]:
    with zipfile.ZipFile(archive) as opened:
        return opened.namelist()


@pytest.fixture(scope="module")
def source_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("functions")
    _write(root / "fixturepkg" / "__init__.py", "")
    _write(root / "fixturepkg" / "handlers.py", "def handler(event, context):\n    return event\n")
    _write(root / "fixturepkg" / "prices.json", "{}")
    _write(root / "fixturepkg" / "requirements.txt", "tinydep==1.0\n")
    _write(root / "fixturepkg" / "tests" / "test_handlers.py", "def test(): pass\n")
    _write(root / "fixturepkg" / "__pycache__" / "handlers.cpython-313.pyc", b"\x00")
    _write(root / "fixturepkg" / "stale.pyc", b"\x00")
    _write(root / "otherpkg" / "__init__.py", "")
    return root


def _fixture_bundle(source_root: Path, requirements: Path) -> BundleSpec:
    return BundleSpec(
        name="fixture",
        packages=("fixturepkg",),
        layer=LayerSpec("fixture-deps", requirements),
        source_root=source_root,
    )


def _wheel(directory: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> None:
    """A pure-Python wheel, written by hand, so pip has something local to install."""
    dist_info = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {requirement}\n" for requirement in requires
    )
    files = {
        f"{name}/__init__.py": "VALUE = 1\n",
        f"{dist_info}/METADATA": metadata,
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{dist_info}/top_level.txt": f"{name}\n",
    }
    record = "".join(f"{path},,\n" for path in files) + f"{dist_info}/RECORD,,\n"
    with zipfile.ZipFile(directory / f"{name}-{version}-py3-none-any.whl", "w") as wheel:
        for path, content in {**files, f"{dist_info}/RECORD": record}.items():
            wheel.writestr(path, content)


@pytest.fixture
def local_wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """pip sees only these wheels: ``tinydep`` alone, and ``needy``, which needs ``tinydep``."""
    directory = tmp_path / "wheels"
    directory.mkdir()
    _wheel(directory, "tinydep", "1.0")
    _wheel(directory, "needy", "2.0", requires=("tinydep",))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(directory))
    return directory


# A platform whose native code is x86_64, installed by this interpreter: the
# fixture wheels are pure Python, so any platform installs them.
HOST_LIKE = LambdaPlatform(key="test-x86_64", installer=AWS_PLATFORM.installer, python_version="3", elf_machine=ELF_MACHINE_X86_64)


def test_code_archive_holds_the_packages_without_tests_or_caches(source_root: Path, tmp_path: Path) -> None:
    code = build_code(_fixture_bundle(source_root, source_root / "fixturepkg" / "requirements.txt"), build_root=tmp_path)
    assert _names(code.zip_path) == ["fixturepkg/__init__.py", "fixturepkg/handlers.py", "fixturepkg/prices.json"]
    assert sorted(p.relative_to(code.tree).as_posix() for p in code.tree.rglob("*") if p.is_file()) == _names(code.zip_path)


def test_code_archive_is_byte_identical_from_the_same_inputs(source_root: Path, tmp_path: Path) -> None:
    bundle = _fixture_bundle(source_root, source_root / "fixturepkg" / "requirements.txt")
    first = build_code(bundle, build_root=tmp_path / "one")
    second = build_code(bundle, build_root=tmp_path / "two")
    assert first.zip_path.read_bytes() == second.zip_path.read_bytes()
    assert first.source_code_hash == second.source_code_hash
    with zipfile.ZipFile(first.zip_path) as opened:
        assert {info.date_time for info in opened.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_source_change_gives_a_new_archive_and_code_hash(tmp_path: Path) -> None:
    root = tmp_path / "src"
    _write(root / "pkg" / "__init__.py", "VALUE = 1\n")
    bundle = BundleSpec("changing", ("pkg",), LayerSpec("unused", root / "requirements.txt"), source_root=root)
    before = build_code(bundle, build_root=tmp_path / "build")
    _write(root / "pkg" / "__init__.py", "VALUE = 2\n")
    after = build_code(bundle, build_root=tmp_path / "build")
    assert after.zip_path != before.zip_path
    assert after.source_code_hash != before.source_code_hash


def test_a_binary_for_another_machine_fails_the_build_and_leaves_no_artifact(tmp_path: Path) -> None:
    tree = tmp_path / "src"
    _write(tree / "badpkg" / "__init__.py", "")
    _write(tree / "badpkg" / "_native.cpython-313-x86_64-linux-gnu.so", _elf(ELF_MACHINE_X86_64))
    bundle = BundleSpec("bad", ("badpkg",), LayerSpec("unused", tree / "requirements.txt"), source_root=tree)
    with pytest.raises(ForeignBinaryError) as raised:
        build_code(bundle, build_root=tmp_path / "build")
    assert raised.value.machine == ELF_MACHINE_X86_64
    assert not list((tmp_path / "build").rglob("*.zip"))


def test_layer_installs_pinned_wheels_under_python_without_install_records(
    local_wheels: Path, tmp_path: Path
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# pinned\ntinydep==1.0\n", encoding="utf-8")
    layer = build_layer(LayerSpec("fixture-deps", requirements), HOST_LIKE, build_root=tmp_path / "build")
    names = _names(layer.zip_path)
    assert "python/tinydep/__init__.py" in names
    assert "python/tinydep-1.0.dist-info/METADATA" in names
    assert all(name.startswith("python/") for name in names)
    assert not [n for n in names if n.rsplit("/", 1)[-1] in {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}]
    assert not [n for n in names if n.endswith(".pyc") or "__pycache__" in n or n.startswith("python/bin/")]
    assert names == sorted(names)


def test_layer_build_is_cached_by_its_inputs(local_wheels: Path, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tinydep==1.0\n", encoding="utf-8")
    spec = LayerSpec("fixture-deps", requirements)
    first = build_layer(spec, HOST_LIKE, build_root=tmp_path / "build")
    # With the wheels gone, only the cache can answer.
    for wheel in local_wheels.iterdir():
        wheel.unlink()
    again = build_layer(spec, HOST_LIKE, build_root=tmp_path / "build")
    assert again == first


def test_an_unpinned_requirement_fails_the_build(local_wheels: Path, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tinydep>=1.0\n", encoding="utf-8")
    with pytest.raises(UnpinnedRequirementError) as raised:
        build_layer(LayerSpec("fixture-deps", requirements), HOST_LIKE, build_root=tmp_path / "build")
    assert raised.value.names == ("tinydep>=1.0",)


def test_a_dependency_the_file_does_not_pin_fails_the_build(local_wheels: Path, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("needy==2.0\n", encoding="utf-8")
    with pytest.raises(UnpinnedRequirementError) as raised:
        build_layer(LayerSpec("fixture-deps", requirements), HOST_LIKE, build_root=tmp_path / "build")
    assert raised.value.names == ("tinydep",)
    assert not list((tmp_path / "build").rglob("*.zip"))


def test_a_version_pip_cannot_find_fails_the_build(local_wheels: Path, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tinydep==9.9\n", encoding="utf-8")
    with pytest.raises(DependencyInstallError) as raised:
        build_layer(LayerSpec("fixture-deps", requirements), HOST_LIKE, build_root=tmp_path / "build")
    assert "tinydep==9.9" in raised.value.output


def test_pip_resolves_for_amazon_linux_2023_on_arm64(tmp_path: Path) -> None:
    command = AWS_PLATFORM.pip_install_command(tmp_path, tmp_path / "requirements.txt")
    platforms = [value for flag, value in zip(command, command[1:]) if flag == "--platform"]
    # AL2023's glibc is 2.34: every manylinux tag up to it, newest first, and the legacy alias.
    assert platforms[0] == "manylinux_2_34_aarch64"
    assert {"manylinux_2_28_aarch64", "manylinux_2_26_aarch64", "manylinux2014_aarch64"} <= set(platforms)
    assert not [tag for tag in platforms if not tag.endswith("_aarch64")]
    pairs = dict(zip(command, command[1:]))
    assert pairs["--python-version"] == "3.13"
    assert pairs["--implementation"] == "cp"
    assert "--only-binary=:all:" in command


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda bundle: bundle.name)
def test_every_requirements_file_pins_what_the_dev_venv_runs(bundle: BundleSpec) -> None:
    """Local and AWS run the same library versions."""
    from importlib.metadata import version

    for name, pinned in read_pins(bundle.layer.requirements_file).items():
        assert version(name) == pinned, f"{bundle.layer.requirements_file}: {name}=={pinned}, venv has {version(name)}"


def test_the_real_registry_layer_is_arm64_reproducible_and_within_limits(tmp_path: Path) -> None:
    """Resolves the real requirements for arm64 twice, into two build roots."""
    cached = build_layer(REGISTRY_BUNDLE.layer, AWS_PLATFORM)
    fresh = build_layer(REGISTRY_BUNDLE.layer, AWS_PLATFORM, build_root=tmp_path)
    assert fresh.sha256 == cached.sha256
    machines = set()
    with zipfile.ZipFile(cached.zip_path) as opened:
        for info in opened.infolist():
            header = opened.read(info.filename)[:20] if info.filename.endswith(".so") or ".so." in info.filename else b""
            if header.startswith(b"\x7fELF"):
                machines.add(struct.unpack("<H", header[18:20])[0])
        names = opened.namelist()
    assert machines == {ELF_MACHINE_AARCH64}
    # numpy is what the catalog imports; its arm64 build is what must be there.
    assert any(name.startswith("python/numpy/_core/_multiarray_umath.cpython-313-aarch64") for name in names)
    assert cached.unzipped_bytes < 250_000_000
    assert cached.zipped_bytes < 50_000_000


def test_a_wrong_pin_in_the_real_layer_fails_its_build(tmp_path: Path) -> None:
    """rapidfuzz 3.14.6 ships only manylinux_2_26/2_28 arm64 wheels; no such version as 3.14.600 exists."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        REGISTRY_BUNDLE.layer.requirements_file.read_text(encoding="utf-8").replace("rapidfuzz==3.14.6", "rapidfuzz==3.14.600"),
        encoding="utf-8",
    )
    with pytest.raises(DependencyInstallError) as raised:
        build_layer(LayerSpec("wrong-pin", requirements), AWS_PLATFORM, build_root=tmp_path / "build")
    assert "rapidfuzz==3.14.600" in raised.value.output
