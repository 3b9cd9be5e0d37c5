"""The page in headless Chromium against the local stack: correct, submit, see it registered."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from album_registry.adapters.system_clock import SystemClock
from album_registry.domain.models import WorkflowType
from album_registry.handlers.validation_api import S3PresignedImageLinks, build_app
from local_aws.pipelines import LocalPipelines
from albums.ui.api_transport import InProcessTransport
from albums.ui.server import UiServer
from tests.browser_support import chromium_context
from tests.validation.conftest import SAMPLE_PHOTO

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHOTO_KEY = "uploads/browser-shelf.jpg"
CORRECTED_YEAR = "1971"
WAIT_MS = 45_000


@pytest.fixture(scope="module")
def ui(local_stack: LocalPipelines) -> Iterator[UiServer]:
    app = build_app(
        repository=local_stack.repository,
        resumer=local_stack.resumer,
        clock=SystemClock(),
        images=S3PresignedImageLinks.for_bucket(local_stack.bucket_name),
    )
    server = UiServer(InProcessTransport(app)).start()
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
    local_stack: LocalPipelines, ui: UiServer, browser: BrowserContext
) -> None:
    started = local_stack.upload(SAMPLE_PHOTO.read_bytes(), PHOTO_KEY)
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

    for workflow, arn in started.engine_arns.items():
        assert local_stack.wait_for_engine(workflow, arn, timeout=60).status == "SUCCEEDED"

    page.get_by_role("tab", name="Executions").click()
    photo = page.locator(f'#executions tr[data-photo="{local_stack.bucket_name}/{PHOTO_KEY}"]')
    for workflow in WorkflowType:
        expect(photo.locator(f'td[data-workflow-type="{workflow.value}"] .state')).to_have_text("completed", timeout=WAIT_MS)

    page.get_by_role("tab", name="Registry").click()
    for workflow in WorkflowType:
        row = page.locator(f'#registry tr[data-execution-id="{started.execution_id(workflow)}"][data-album-index="3"]')
        expect(row.locator("td.year")).to_contain_text(CORRECTED_YEAR, timeout=WAIT_MS)
    page.get_by_label("Workflow type").select_option("durable-functions")
    expect(page.locator(f'#registry tr[data-execution-id="{started.execution_id(WorkflowType.STEP_FUNCTIONS)}"]')).to_have_count(0)

    page.screenshot(path=str(ARTIFACTS / "validation-registry.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    csv = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv.startswith("workflowType,executionId,albumIndex,artist,albumName,year")
    assert f"durable-functions,{started.execution_id(WorkflowType.DURABLE_FUNCTIONS)},3," in csv
