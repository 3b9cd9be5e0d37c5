"""The Lambda archive: aarch64 wheels only, reproducible, no tests or caches.

Nothing is downloaded: dependencies come from a wheel built here and installed
by the real pip command with ``--no-index --find-links``.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest

from components.lambda_package import (
    FUNCTIONS_ROOT,
    WHEEL_PLATFORM,
    WHEEL_PYTHON_VERSION,
    ForeignBinaryError,
    build_lambda_archive,
    pip_install_command,
)

ELF_MACHINE_X86_64 = 62
ELF_MACHINE_AARCH64 = 183


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


@pytest.fixture(scope="module")
def source_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("functions")
    _write(root / "fixturepkg" / "__init__.py", "")
    _write(root / "fixturepkg" / "handlers.py", "def handler(event, context):\n    return event\n")
    _write(root / "fixturepkg" / "prices.json", "{}")
    _write(root / "fixturepkg" / "native" / "_speedups.so", _elf(ELF_MACHINE_AARCH64))
    _write(root / "fixturepkg" / "tests" / "test_handlers.py", "def test(): pass\n")
    _write(root / "fixturepkg" / "__pycache__" / "handlers.cpython-313.pyc", b"\x00")
    _write(root / "fixturepkg" / "stale.pyc", b"\x00")
    _write(root / "otherpkg" / "__init__.py", "")
    return root


@pytest.fixture(scope="module")
def wheel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pure-Python wheel, written by hand, so pip has something local to install."""
    directory = tmp_path_factory.mktemp("wheels")
    dist_info = "tinydep-1.0.dist-info"
    files = {
        "tinydep/__init__.py": "VALUE = 1\n",
        f"{dist_info}/METADATA": "Metadata-Version: 2.1\nName: tinydep\nVersion: 1.0\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{dist_info}/top_level.txt": "tinydep\n",
    }
    record = "".join(f"{name},,\n" for name in files) + f"{dist_info}/RECORD,,\n"
    with zipfile.ZipFile(directory / "tinydep-1.0-py3-none-any.whl", "w") as wheel:
        for name, content in {**files, f"{dist_info}/RECORD": record}.items():
            wheel.writestr(name, content)
    return directory


@pytest.fixture(scope="module")
def archive_with_dependency(source_root: Path, wheel_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_lambda_archive(
        tmp_path_factory.mktemp("build") / "lambda.zip",
        source_root=source_root,
        packages=("fixturepkg",),
        requirements=["tinydep==1.0"],
        find_links=[wheel_dir],
        no_index=True,
    )


def _names(archive: Path) -> list[str]:
    with zipfile.ZipFile(archive) as opened:
        return opened.namelist()


def test_archive_holds_the_packages_without_tests_or_caches(source_root: Path, tmp_path: Path) -> None:
    archive = build_lambda_archive(tmp_path / "a.zip", source_root=source_root, packages=("fixturepkg",), requirements=[])
    assert _names(archive) == [
        "fixturepkg/__init__.py",
        "fixturepkg/handlers.py",
        "fixturepkg/native/_speedups.so",
        "fixturepkg/prices.json",
    ]


def test_archive_is_reproducible(source_root: Path, tmp_path: Path) -> None:
    first = build_lambda_archive(tmp_path / "1.zip", source_root=source_root, packages=("fixturepkg",), requirements=[])
    second = build_lambda_archive(tmp_path / "2.zip", source_root=source_root, packages=("fixturepkg",), requirements=[])
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as opened:
        assert {info.date_time for info in opened.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_dependencies_are_installed_without_install_records(archive_with_dependency: Path) -> None:
    names = _names(archive_with_dependency)
    assert "tinydep/__init__.py" in names
    assert "tinydep-1.0.dist-info/METADATA" in names
    assert not [n for n in names if n.rsplit("/", 1)[-1] in {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}]
    assert not [n for n in names if n.endswith(".pyc") or "__pycache__" in n or n.startswith("bin/")]
    assert names == sorted(names)


def test_no_x86_binary_is_in_the_archive(archive_with_dependency: Path) -> None:
    with zipfile.ZipFile(archive_with_dependency) as opened:
        for name in opened.namelist():
            header = opened.read(name)[:20]
            if header.startswith(b"\x7fELF"):
                assert struct.unpack("<H", header[18:20])[0] == ELF_MACHINE_AARCH64, name


def test_an_x86_binary_fails_the_build(tmp_path: Path) -> None:
    tree = tmp_path / "src"
    _write(tree / "badpkg" / "__init__.py", "")
    _write(tree / "badpkg" / "_native.cpython-313-x86_64-linux-gnu.so", _elf(ELF_MACHINE_X86_64))
    with pytest.raises(ForeignBinaryError) as raised:
        build_lambda_archive(tmp_path / "bad.zip", source_root=tree, packages=("badpkg",), requirements=[])
    assert raised.value.machine == ELF_MACHINE_X86_64
    assert not (tmp_path / "bad.zip").exists()


def test_pip_asks_for_lambda_platform_binary_wheels_only(tmp_path: Path) -> None:
    command = pip_install_command(tmp_path, ["pydantic==2.14.3"])
    pairs = dict(zip(command, command[1:]))
    assert pairs["--platform"] == WHEEL_PLATFORM == "manylinux2014_aarch64"
    assert pairs["--python-version"] == WHEEL_PYTHON_VERSION == "3.13"
    assert pairs["--implementation"] == "cp"
    assert pairs["--target"] == str(tmp_path)
    assert "--only-binary=:all:" in command
    assert command[-1] == "pydantic==2.14.3"


def test_the_project_code_packs_without_tests(tmp_path: Path) -> None:
    archive = build_lambda_archive(tmp_path / "project.zip", source_root=FUNCTIONS_ROOT, requirements=[])
    names = _names(archive)
    assert "album_registry/__init__.py" in names
    assert "album_registry/constants.py" in names
    assert all(name.startswith("album_registry/") for name in names)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
