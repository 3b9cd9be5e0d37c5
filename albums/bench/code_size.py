"""Lines of code per pattern, counted in the repository when the report is made.

Orchestration: the state machine definition plus the Lambda glue of the
Step Functions pattern, against the one durable handler. Tests: the suites
that drive the workflow through an engine (``tests/pipelines``); a file whose
name names one engine is that engine's own, the others run both engines and
are shared. ``COUNTING_RULE`` says so in the report.
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
    WorkflowType.DURABLE_FUNCTIONS: ("durable", "_ldf"),
}
PIPELINE_TEST_DIRECTORY = "tests/pipelines"
COUNTING_RULE = (
    "Lines are non-blank and not comment-only. Orchestration: the files each pattern adds over the "
    "shared business core (" + "; ".join(
        f"{workflow.value}: {', '.join(files)}" for workflow, files in ORCHESTRATION_FILES.items()
    ) + "; the step wrapper both shells share, functions/album_registry/handlers/steps.py, counts with the "
    "shared core, for neither). Tests: the test files in " + PIPELINE_TEST_DIRECTORY + ", which drive the workflow through an "
    "engine. A file whose name names one engine (" + "; ".join(
        f"{workflow.value}: {', '.join(markers)}" for workflow, markers in TEST_NAME_MARKERS.items()
    ) + ") is that engine's own; every other file there runs both engines (the scenario and equivalence "
    "suites) and is counted once, as shared, in each engine's total. Tests elsewhere (core, adapters, "
    "vision, infrastructure, local stack, reliability) test the one business core or the deployment and "
    "count for neither."
)


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
    rule: str = COUNTING_RULE

    @property
    def shared_test_lines(self) -> int:
        return sum(item.lines for item in self.shared_tests)

    def tests_running(self, workflow: WorkflowType) -> int:
        """Lines of the tests that run this engine: its own and the shared ones."""
        own = next(pattern.test_lines for pattern in self.patterns if pattern.workflow is workflow)
        return own + self.shared_test_lines


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
    test_files = sorted((root / PIPELINE_TEST_DIRECTORY).glob("test_*.py"))
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
        if path not in claimed
    ]
    return CodeSize(patterns=patterns, shared_tests=shared)
