"""What ships to Lambda stands on its own: no module under ``functions/`` imports
the CLI, the local stack, the Pulumi program or the tests, at the top of a
module or inside a function (a lazy import breaks as surely, only later)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
# The packages that never ship in a Lambda archive.
NOT_SHIPPED = frozenset({"albums", "local_aws", "components", "tests", "statemachine"})


def forbidden_imports(source: str) -> list[tuple[int, str]]:
    """Each import of a package that does not ship, with its line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, name) for name in names if name.split(".")[0] in NOT_SHIPPED]
    return found


def test_no_function_module_imports_what_does_not_ship():
    modules = sorted(FUNCTIONS.rglob("*.py"))
    assert len(modules) > 30, "the walk found the function sources"
    offending = {
        str(path.relative_to(FUNCTIONS)): found
        for path in modules
        if (found := forbidden_imports(path.read_text(encoding="utf-8")))
    }
    assert offending == {}


@pytest.mark.parametrize(
    ("source", "package"),
    [
        ("from local_aws.s3_events import object_created_event\n", "local_aws"),
        ("import components.run_endings\n", "components"),
        ("def later():\n    from albums.stack_access import open_stack\n", "albums"),
        ("import json, tests.fakes\n", "tests"),
    ],
)
def test_the_rule_catches_each_form_of_import(source, package):
    assert [name.split(".")[0] for _, name in forbidden_imports(source)] == [package]


def test_the_rule_leaves_the_packages_that_ship_alone():
    source = "from album_registry.domain import ids\nimport boto3\nfrom . import sibling\n"
    assert forbidden_imports(source) == []
