"""The example durable functions, deployed beside the pipelines.

The seed's ``minimal`` (three checkpointed steps, one retried) and
``showcase`` (step, callback wait, parallel and map), and ``steps`` (N no-op
steps, for ``albums bench --shape steps=N``) run the ``durable-examples``
bundle: their own code and the durable SDK, nothing of the registry. Each is a durable
function as the seeds ask: its own role, a published version behind the
``live`` alias, a one-hour execution timeout and seven days of retention.
"""

from __future__ import annotations

import pulumi

from components import iam_policies
from components.durable_function import DurableFunctionSpec, durable_function
from components.lambda_code import FunctionCode
from components.settings import StackSettings

EXAMPLE_EXECUTION_TIMEOUT_SECONDS = 3600
EXAMPLE_RETENTION_DAYS = 7
# Example name -> handler, as the durable_examples package defines them.
EXAMPLE_HANDLERS = {
    "minimal": "durable_examples.minimal.handler",
    "showcase": "durable_examples.showcase.handler",
    "steps": "durable_examples.noop_steps.handler",
}


class DurableExamplesArgs:
    def __init__(self, *, settings: StackSettings, code: FunctionCode) -> None:
        self.settings = settings
        self.code = code


class DurableExamples(pulumi.ComponentResource):
    """One durable function per seed example; ``alias_arns`` by example name."""

    def __init__(self, name: str, args: DurableExamplesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("vinyl:index:DurableExamples", name, {}, opts)
        self.alias_arns: dict[str, pulumi.Output[str]] = {}
        for example, handler in EXAMPLE_HANDLERS.items():
            resources = durable_function(
                f"{name}-{example}",
                DurableFunctionSpec(
                    suffix=f"durable-example-{example}",
                    handler=handler,
                    description=f"The seed's {example} durable function",
                    execution_timeout_seconds=EXAMPLE_EXECUTION_TIMEOUT_SECONDS,
                    retention_days=EXAMPLE_RETENTION_DAYS,
                    environment={},
                    statements=lambda log_group_arn: [
                        iam_policies.log_write_statement([log_group_arn]),
                        iam_policies.xray_statement(),
                    ],
                ),
                code=args.code,
                settings=args.settings,
                parent=self,
            )
            self.alias_arns[example] = resources.alias.arn
        self.register_outputs({f"{example}AliasArn": arn for example, arn in self.alias_arns.items()})
