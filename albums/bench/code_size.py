"""Lines of code per pattern, counted in the repository when the report is made.

Orchestration: the state machine definition plus the Lambda glue of the
Step Functions pattern, against the one durable handler. Tests: the test
files that exercise only one pattern; suites that run both are shown apart.
Lines are non-blank and not comment-only.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from album_registry.domain.models import WorkflowType

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ORCHESTRATION_FILES: dict[WorkflowType, tuple[str, ...]] = {
    WorkflowType.STEP_FUNCTIONS: (
        "statemachine/registration.asl.json",
        "statemachine/__init__.py",
        "statemachine/definition.py",
        "statemachine/table_writes.py",
        "functions/album_registry/handlers/step_functions_tasks.py",
    ),
    WorkflowType.DURABLE_FUNCTIONS: ("functions/album_registry/handlers/durable_pipeline.py",),
}
# Words in a test file's name that tie it to one pattern.
TEST_NAME_MARKERS: dict[WorkflowType, tuple[str, ...]] = {
    WorkflowType.STEP_FUNCTIONS: ("step_functions", "state_machine", "asl", "_sfn"),
    WorkflowType.DURABLE_FUNCTIONS: ("durable_steps", "durable_pipeline", "_ldf"),
}
SHARED_TEST_DIRECTORY = "tests/pipelines"


class FileLines(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str
    lines: int


class PatternCodeSize(BaseModel):
    model_config = ConfigDict(frozen=True)

    workflow: WorkflowType
    orchestration: list[FileLines]
    tests: list[FileLines]

    @property
    def orchestration_lines(self) -> int:
        return sum(item.lines for item in self.orchestration)

    @property
    def test_lines(self) -> int:
        return sum(item.lines for item in self.tests)


class CodeSize(BaseModel):
    model_config = ConfigDict(frozen=True)

    patterns: list[PatternCodeSize]
    shared_tests: list[FileLines]


def counted_lines(path: Path) -> int:
    comment = "#" if path.suffix == ".py" else None
    return sum(
        1
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not (comment and line.strip().startswith(comment))
    )


def _lines(root: Path, relative: str) -> FileLines | None:
    path = root / relative
    return FileLines(path=relative, lines=counted_lines(path)) if path.is_file() else None


def measure_code_size(root: Path = PROJECT_ROOT) -> CodeSize:
    test_files = sorted((root / "tests").rglob("test_*.py"))
    patterns = []
    claimed: set[Path] = set()
    for workflow in WorkflowType:
        tests = [path for path in test_files if any(marker in path.name for marker in TEST_NAME_MARKERS[workflow])]
        claimed.update(tests)
        patterns.append(
            PatternCodeSize(
                workflow=workflow,
                orchestration=[found for name in ORCHESTRATION_FILES[workflow] if (found := _lines(root, name))],
                tests=[FileLines(path=str(path.relative_to(root)), lines=counted_lines(path)) for path in tests],
            )
        )
    shared = [
        FileLines(path=str(path.relative_to(root)), lines=counted_lines(path))
        for path in test_files
        if path not in claimed and (root / SHARED_TEST_DIRECTORY) in path.parents
    ]
    return CodeSize(patterns=patterns, shared_tests=shared)
