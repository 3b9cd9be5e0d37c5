"""The page in headless Chromium against the local stack: correct, submit, see it registered."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from album_registry.adapters.system_clock import SystemClock
from album_registry.domain.failures import Failure
from album_registry.domain.models import (
    Album,
    ExtractedAlbum,
    TaskStatus,
    Upload,
    ValidationOutcome,
    ValidationTask,
    WorkflowType,
)
from album_registry.domain.registration import AlbumRegistration
from album_registry.domain.vision import normalize_to_six
from albums.history.stack_reader import history_reader_for_stack
from albums.ui.server import UiServer
from albums.ui.validation_client import LOCAL_STACK, transport_for_stack
from tests.browser_support import chromium_context
from tests.stack_pipelines import SAMPLE_PHOTO, PipelinesOnStack

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHOTO_KEY = "uploads/browser-shelf.jpg"
CORRECTED_YEAR = "1971"
WAIT_MS = 45_000


@pytest.fixture(scope="module")
def ui(local_stack: PipelinesOnStack) -> Iterator[UiServer]:
    """The page as ``albums ui --stack local`` serves it, over the running stack."""
    server = UiServer(
        transport_for_stack(LOCAL_STACK, data_dir=local_stack.data_dir),
        histories=history_reader_for_stack(LOCAL_STACK, data_dir=local_stack.data_dir),
    ).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    with chromium_context() as context:
        yield context


def correct_year(page: Page, workflow: WorkflowType, *, by_keyboard: bool) -> None:
    form = page.locator(f'form.task:has-text("{"Step Functions" if workflow is WorkflowType.STEP_FUNCTIONS else "durable functions"}")')
    year = form.get_by_label("Album 3 year")
    year.fill(CORRECTED_YEAR)
    expect(year).to_have_class(re.compile(r"\bchanged\b"))
    if by_keyboard:
        year.press("Enter")
    else:
        form.get_by_role("button", name="Submit").click()
    expect(form).to_have_count(0, timeout=WAIT_MS)


def test_a_person_corrects_a_year_and_both_pipelines_register_it(
    local_stack: PipelinesOnStack, ui: UiServer, browser: BrowserContext
) -> None:
    execution_ids = local_stack.upload(SAMPLE_PHOTO.read_bytes(), PHOTO_KEY)
    page = browser.new_page()
    page.goto(ui.url)
    assert "token" not in page.url  # traded for a cookie on the first visit

    forms = page.locator("form.task")
    expect(forms).to_have_count(2, timeout=WAIT_MS)
    expect(page.locator(".album")).to_have_count(12)
    # Each cover is cut out of the photo, which the browser fetched through the API's redirect.
    loaded = page.evaluate(
        """async () => {
            const cover = document.querySelector(".cover");
            const url = getComputedStyle(cover).backgroundImage.slice(5, -2);
            const image = new Image();
            image.src = url;
            await image.decode();
            return [image.naturalWidth, image.naturalHeight, cover.style.backgroundSize];
        }"""
    )
    assert loaded[0] > 0 and loaded[1] > 0 and loaded[2].endswith("%")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "validation-pending-tasks.png"), full_page=True)

    correct_year(page, WorkflowType.STEP_FUNCTIONS, by_keyboard=True)
    correct_year(page, WorkflowType.DURABLE_FUNCTIONS, by_keyboard=False)

    for workflow, execution_id in execution_ids.items():
        assert local_stack.wait_for_engine(workflow, execution_id, timeout=60) == "SUCCEEDED"

    page.get_by_role("tab", name="Executions").click()
    photo = page.locator(f'#executions tr[data-photo="{local_stack.bucket_name}/{PHOTO_KEY}"]')
    for workflow in WorkflowType:
        expect(photo.locator(f'td[data-workflow-type="{workflow.value}"] .state')).to_have_text("completed", timeout=WAIT_MS)

    page.get_by_role("tab", name="Registry").click()
    for workflow in WorkflowType:
        row = page.locator(f'#registry tr[data-execution-id="{execution_ids[workflow]}"][data-album-index="3"]')
        expect(row.locator("td.year")).to_contain_text(CORRECTED_YEAR, timeout=WAIT_MS)
    page.get_by_label("Workflow type").select_option("durable-functions")
    expect(page.locator(f'#registry tr[data-execution-id="{execution_ids[WorkflowType.STEP_FUNCTIONS]}"]')).to_have_count(0)

    page.screenshot(path=str(ARTIFACTS / "validation-registry.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    csv = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv.startswith("workflowType,executionId,albumIndex,artist,albumName,year")
    assert f"durable-functions,{execution_ids[WorkflowType.DURABLE_FUNCTIONS]},3," in csv


def test_a_failed_execution_shows_its_error_code(local_stack: PipelinesOnStack, ui: UiServer, browser: BrowserContext) -> None:
    """The executions view shows why a run failed: its stable code beside the short message."""
    workflow = WorkflowType.DURABLE_FUNCTIONS
    registration = AlbumRegistration(repository=local_stack.repository, clock=SystemClock())
    upload = Upload(bucket=local_stack.bucket_name, key="uploads/failed-shelf.jpg", version="v1")
    execution = registration.prepare_execution(workflow, upload, engine_execution_arn="arn:local:failed-run")
    registration.start_execution(execution)
    failure = Failure(code="VisionUnavailableError", message="bedrock vision unavailable: throttled")
    registration.fail_execution(workflow, execution.executionId, failure)

    page = browser.new_page()
    page.goto(ui.url)
    page.get_by_role("tab", name="Executions").click()
    cell = page.locator(
        f'#executions tr[data-photo="{local_stack.bucket_name}/{upload.key}"] td[data-workflow-type="{workflow.value}"]'
    )
    expect(cell.locator(".state")).to_have_text("failed", timeout=WAIT_MS)
    expect(cell.locator(".error-code")).to_have_text(failure.code)
    expect(cell).to_contain_text(failure.message)


def test_a_field_vision_could_not_read_is_marked_unreadable(
    local_stack: PipelinesOnStack, ui: UiServer, browser: BrowserContext
) -> None:
    """Property 7 on the page: an empty field is shown as unreadable, not as if read empty."""
    workflow = WorkflowType.STEP_FUNCTIONS
    covers = [ExtractedAlbum(albumIndex=1, artist="Prince", albumName="Parade", year=1986, confidence=0.9)]
    albums = [Album.from_extracted(cover) for cover in normalize_to_six(covers)]
    albums[0] = albums[0].model_copy(update={"year": None, "unreadable": ["year"]})
    execution_id = "sf-unreadable-fields"
    task = ValidationTask(
        taskId=f"task-{execution_id}",
        executionId=execution_id,
        workflowType=workflow,
        albums=albums,
        imageS3Key="uploads/unreadable.jpg",
        createdAt="2026-12-01T10:00:00.000Z",
        expiresAt="2099-12-01T10:00:00.000Z",
        taskToken="token-unreadable",
    )
    local_stack.repository.create_task(task)

    page = browser.new_page()
    page.goto(ui.url)
    form = page.locator(f'form.task[data-task-id="{task.taskId}"]')
    expect(form).to_have_count(1, timeout=WAIT_MS)
    read = form.locator('.album[data-album-index="1"]')
    expect(read.locator(".unreadable-note")).to_have_text("unreadable: year")
    expect(read.get_by_label("Album 1 year")).to_have_attribute("placeholder", "unreadable")
    expect(read.get_by_label("Album 1 artist")).to_have_value("Prince")
    placeholder = form.locator('.album[data-album-index="4"]')
    expect(placeholder.locator(".unreadable-note")).to_have_text("unreadable: artist, album name, year")
    page.screenshot(path=str(ARTIFACTS / "validation-unreadable.png"), full_page=True)
    local_stack.repository.close_task(
        task.model_copy(update={"status": TaskStatus.COMPLETED}), expected_status=TaskStatus.PENDING.value
    )


def test_the_history_page_shows_both_engines_live_until_each_completes(
    local_stack: PipelinesOnStack, ui: UiServer, browser: BrowserContext
) -> None:
    """Linked from the executions list, the page follows one upload on both engines as they run."""
    key = "uploads/history-shelf.jpg"
    execution_ids = local_stack.upload(SAMPLE_PHOTO.read_bytes(), key)
    tasks = {workflow: local_stack.wait_for_task(workflow, execution_ids[workflow]) for workflow in WorkflowType}
    page = browser.new_page()
    page.goto(ui.url)
    page.get_by_role("tab", name="Executions").click()
    page.locator(f'#executions tr[data-photo="{local_stack.bucket_name}/{key}"]').get_by_role("link", name="History").click()
    page.wait_for_url(re.compile(r"/history\.html\?"))
    expect(page.get_by_role("heading", level=2)).to_have_text(f"Execution histories of {local_stack.bucket_name}/{key}")
    step_functions = page.locator('section.engine[data-workflow-type="step-functions"]')
    durable = page.locator('section.engine[data-workflow-type="durable-functions"]')
    # Paused for the person: the task waits for its token, the callback for its answer.
    expect(step_functions.locator(".engine-state")).to_have_text("RUNNING", timeout=WAIT_MS)
    expect(step_functions.locator('tr[data-status="waiting"]')).to_contain_text("WaitForValidation", timeout=WAIT_MS)
    expect(durable.locator(".engine-state")).to_have_text("RUNNING", timeout=WAIT_MS)
    expect(durable.locator('tr[data-kind="Callback"][data-status="waiting"]')).to_have_count(1, timeout=WAIT_MS)
    expect(durable.locator(".engine-summary")).to_contain_text("(0 replays)")
    page.screenshot(path=str(ARTIFACTS / "history-waiting.png"), full_page=True)

    for task in tasks.values():
        local_stack.submit(task.taskId, ValidationOutcome(reviewed=True, corrections=[]))
    for section in (step_functions, durable):
        expect(section.locator(".record-status")).to_have_text("completed", timeout=WAIT_MS)
        expect(section.locator(".engine-state")).to_have_text("SUCCEEDED", timeout=WAIT_MS)
    expect(step_functions.locator('tr[data-status="succeeded"]').filter(has_text="CompleteExecution")).to_have_count(1)
    expect(step_functions.locator(".engine-summary")).to_contain_text("state transitions")
    # The answer started a replay of the durable function, shown as its own row.
    expect(durable.locator('tr[data-kind="Invocation"]').filter(has_text="replay 1")).to_have_count(1)
    expect(page.locator("#status")).to_contain_text("Both executions have ended", timeout=WAIT_MS)
    page.screenshot(path=str(ARTIFACTS / "history-completed.png"), full_page=True)
