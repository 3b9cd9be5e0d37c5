"""Code size is counted from the files, at run time."""

from __future__ import annotations

from album_registry.domain.models import WorkflowType
from albums.bench.code_size import PROJECT_ROOT, counted_lines, measure_code_size


def test_counts_skip_blank_and_comment_lines(tmp_path):
    source = tmp_path / "handler.py"
    source.write_text("# intent\n\nx = 1\n    # more\ny = 2  # trailing\n", encoding="utf-8")
    assert counted_lines(source) == 2
    definition = tmp_path / "machine.asl.json"
    definition.write_text('{\n\n  "StartAt": "A"\n}\n', encoding="utf-8")
    assert counted_lines(definition) == 3


def test_code_size_of_a_small_tree(tmp_path):
    (tmp_path / "statemachine").mkdir()
    (tmp_path / "statemachine" / "registration.asl.json").write_text("{\n}\n", encoding="utf-8")
    handlers = tmp_path / "functions" / "album_registry" / "handlers"
    handlers.mkdir(parents=True)
    (handlers / "durable_pipeline.py").write_text("a = 1\nb = 2\nc = 3\n", encoding="utf-8")
    tests = tmp_path / "tests" / "pipelines"
    tests.mkdir(parents=True)
    (tests / "test_durable_steps.py").write_text("def test(): pass\n", encoding="utf-8")
    (tests / "test_durable_failures.py").write_text("a = 1\nb = 2\n", encoding="utf-8")
    (tests / "test_state_machine_writes.py").write_text("a = 1\nb = 2\nc = 3\nd = 4\n", encoding="utf-8")
    (tests / "test_pipeline_scenarios.py").write_text("x = 1\ny = 2\n", encoding="utf-8")
    (tests / "test_pipeline_equivalence.py").write_text("x = 1\n# a comment\ny = 2\nz = 3\n", encoding="utf-8")
    # Elsewhere: the core's tests, whatever their name, count for neither engine.
    (tmp_path / "tests" / "core").mkdir()
    (tmp_path / "tests" / "core" / "test_durable_keys.py").write_text("a = 1\n", encoding="utf-8")
    size = measure_code_size(tmp_path)
    by_workflow = {pattern.workflow: pattern for pattern in size.patterns}
    step_functions, durable = by_workflow[WorkflowType.STEP_FUNCTIONS], by_workflow[WorkflowType.DURABLE_FUNCTIONS]
    assert step_functions.orchestration_lines == 2
    assert durable.orchestration_lines == 3
    assert step_functions.test_lines == 4
    assert durable.test_lines == 1 + 2
    assert [item.path for item in size.shared_tests] == [
        "tests/pipelines/test_pipeline_equivalence.py",
        "tests/pipelines/test_pipeline_scenarios.py",
    ]
    assert size.shared_test_lines == 3 + 2
    # Shared suites count once, in each engine's total.
    assert size.tests_running(WorkflowType.STEP_FUNCTIONS) == 4 + 5
    assert size.tests_running(WorkflowType.DURABLE_FUNCTIONS) == 3 + 5
    assert "tests/pipelines" in size.rule and "shared" in size.rule


def test_code_size_of_this_repository_matches_its_files():
    size = measure_code_size()
    by_workflow = {pattern.workflow: pattern for pattern in size.patterns}
    durable = by_workflow[WorkflowType.DURABLE_FUNCTIONS]
    handler = PROJECT_ROOT / "functions/album_registry/handlers/durable_pipeline.py"
    assert durable.orchestration_lines == counted_lines(handler) > 0
    asl = PROJECT_ROOT / "statemachine/registration.asl.json"
    assert by_workflow[WorkflowType.STEP_FUNCTIONS].orchestration_lines >= counted_lines(asl) > 0
    # Each engine has tests of its own; the scenario and equivalence suites run both.
    for pattern in size.patterns:
        assert pattern.test_lines > 0
    shared = {item.path for item in size.shared_tests}
    assert {"tests/pipelines/test_pipeline_scenarios.py", "tests/pipelines/test_pipeline_equivalence.py"} <= shared
    assert size.shared_test_lines == sum(counted_lines(PROJECT_ROOT / path) for path in shared)
