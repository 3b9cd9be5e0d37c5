"""The demo, load and bench runs answer tasks through the validation API, as the
page does: the outcome they mean is the outcome the engine gets."""

from __future__ import annotations

import pytest

from album_registry.domain.models import AlbumCorrection, TaskStatus, ValidationOutcome, WorkflowType
from album_registry.handlers.validation_api import build_app
from albums.ui.api_transport import InProcessTransport
from albums.ui.validation_client import ValidationApiClient, ValidationApiError
from tests.core.test_core_submit_validation import RecordingResumer, paused
from tests.fakes import SteppingClock


class NoImages:
    def link(self, key: str) -> str:
        return f"https://images.invalid/{key}"


@pytest.mark.parametrize("workflow", list(WorkflowType))
@pytest.mark.parametrize(
    "outcome",
    [
        ValidationOutcome(reviewed=True),
        ValidationOutcome(
            reviewed=True,
            corrections=[AlbumCorrection(albumIndex=2, year=1968), AlbumCorrection(albumIndex=5, artist="Nico")],
        ),
    ],
    ids=["accept", "corrections"],
)
def test_an_outcome_submitted_through_the_api_reaches_the_engine_unchanged(workflow, outcome):
    repository, task = paused(workflow)
    resumer = RecordingResumer()
    app = build_app(repository=repository, resumer=resumer, clock=SteppingClock(), images=NoImages())
    answered = ValidationApiClient(InProcessTransport(app)).submit_outcome(task.taskId, outcome)
    assert answered["task"]["status"] == TaskStatus.COMPLETED.value
    [(_, _, payload)] = resumer.resumed
    assert ValidationOutcome.model_validate_json(payload) == outcome


def test_a_second_answer_is_refused_by_the_api():
    repository, task = paused(WorkflowType.DURABLE_FUNCTIONS)
    app = build_app(repository=repository, resumer=RecordingResumer(), clock=SteppingClock(), images=NoImages())
    client = ValidationApiClient(InProcessTransport(app))
    client.submit_outcome(task.taskId, ValidationOutcome(reviewed=True))
    with pytest.raises(ValidationApiError) as refused:
        client.submit_outcome(task.taskId, ValidationOutcome(reviewed=True))
    assert refused.value.status == 409
