"""The logger, the tracer and the metric names every handler of the registry shares
(``handlers/steps.py`` emits the metrics; the bench reads them back by these names)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Tracer

from album_registry.constants import METRICS_NAMESPACES

SERVICE_NAME = "album-registration"
STEP_DURATION_METRIC = "StepDuration"
VALIDATION_WAIT_METRIC = "ValidationWaitTime"
STEP_DIMENSION = "step"
EXECUTION_ID_METADATA = "executionId"

logger = Logger(service=SERVICE_NAME)
tracer = Tracer(service=SERVICE_NAME)
