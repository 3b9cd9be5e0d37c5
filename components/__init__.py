"""Pulumi components of the vinyl album registry, one module each."""

from __future__ import annotations

from components.durable_examples import DurableExamples, DurableExamplesArgs
from components.durable_pipeline import DurablePipeline
from components.lambda_code import FunctionCode, LambdaCode, LambdaCodeArgs
from components.observability import Observability, ObservabilityArgs
from components.run_endings import RunEndings, RunEndingsArgs
from components.settings import StackSettings, lambda_environment, load_settings
from components.shared_data import SharedData, SharedDataArgs
from components.pipeline_args import PipelineArgs
from components.step_functions_pipeline import StepFunctionsPipeline
from components.trigger import Trigger, TriggerArgs, upload_event_pattern
from components.validation_api import ValidationApi, ValidationApiArgs

__all__ = [
    "DurableExamples",
    "DurableExamplesArgs",
    "DurablePipeline",
    "FunctionCode",
    "LambdaCode",
    "LambdaCodeArgs",
    "Observability",
    "ObservabilityArgs",
    "PipelineArgs",
    "RunEndings",
    "RunEndingsArgs",
    "SharedData",
    "SharedDataArgs",
    "StackSettings",
    "StepFunctionsPipeline",
    "Trigger",
    "TriggerArgs",
    "ValidationApi",
    "ValidationApiArgs",
    "lambda_environment",
    "load_settings",
    "upload_event_pattern",
]
