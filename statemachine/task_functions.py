"""Which Lambda handler fills which placeholder of the ASL: the one table the
Pulumi program and the local pipelines both read (plain data, no Pulumi)."""

from __future__ import annotations

from dataclasses import dataclass

HANDLER_MODULE = "album_registry.handlers.step_functions_tasks"


@dataclass(frozen=True)
class TaskFunction:
    """One task of the workflow: its Lambda's name suffix, handler, and ASL placeholder."""

    suffix: str
    handler_name: str
    placeholder: str
    # Prices albums, so reads the Discogs token: a role and an environment of its own.
    prices: bool = False

    @property
    def handler(self) -> str:
        return f"{HANDLER_MODULE}.{self.handler_name}"


TASK_FUNCTIONS = (
    TaskFunction("prepare-execution", "prepare_execution_handler", "PrepareExecutionFunctionArn"),
    TaskFunction("process-image", "process_image_handler", "ProcessImageFunctionArn"),
    TaskFunction("open-validation", "open_validation_handler", "OpenValidationFunctionArn"),
    TaskFunction("apply-validation", "apply_validation_handler", "ApplyValidationFunctionArn"),
    TaskFunction("estimate-price", "estimate_price_handler", "EstimatePriceFunctionArn", prices=True),
    TaskFunction("complete-execution", "complete_execution_handler", "CompleteExecutionFunctionArn"),
)
