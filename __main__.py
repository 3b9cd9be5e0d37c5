"""The vinyl album registry on AWS: both registration patterns in one stack.

This program only wires the components together from the stack's settings
(``components/settings.py`` documents every key) and exports what the
``albums`` tool reads: ``pulumi stack output --json --stack NAME``.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components import (
    DurableExamples,
    DurableExamplesArgs,
    DurablePipeline,
    LambdaCode,
    LambdaCodeArgs,
    Observability,
    ObservabilityArgs,
    RunEndings,
    RunEndingsArgs,
    SharedData,
    SharedDataArgs,
    PipelineArgs,
    StepFunctionsPipeline,
    Trigger,
    TriggerArgs,
    ValidationApi,
    ValidationApiArgs,
    load_settings,
)
from components.lambda_package import DURABLE_EXAMPLES_BUNDLE, REGISTRY_BUNDLE
from components.settings import PROJECT_NAME

settings = load_settings()

# The stack's own provider: its region, and the roles to assume into the
# stack's account when aws:assumeRoles is set (none: the caller's credentials).
provider = aws.Provider(
    f"aws-{settings.stack}",
    region=settings.region,
    profile=settings.profile,
    assume_roles=[
        aws.ProviderAssumeRoleArgs(**role.provider_args()) for role in settings.assume_roles
    ]
    or None,
    default_tags=aws.ProviderDefaultTagsArgs(tags={"project": PROJECT_NAME, "stack": settings.stack}),
)
on_stack_account = pulumi.ResourceOptions(providers=[provider])
lambda_code = LambdaCode("lambda-code", LambdaCodeArgs(settings=settings), on_stack_account)
code = lambda_code.bundle(REGISTRY_BUNDLE.name)

data = SharedData("shared-data", SharedDataArgs(settings=settings), on_stack_account)
# Both pipelines get the same inputs: the shared data, the code and the settings.
pipeline_inputs = PipelineArgs(
    settings=settings,
    code=code,
    account_id=data.account_id,
    table_name=data.table_name,
    table_arn=data.table_arn,
    bucket_name=data.bucket_name,
    bucket_arn=data.bucket_arn,
    discogs_token_secret=data.discogs_token,
)
step_functions = StepFunctionsPipeline("step-functions", pipeline_inputs, on_stack_account)
durable = DurablePipeline("durable", pipeline_inputs, on_stack_account)
validation_api = ValidationApi(
    "validation-api",
    ValidationApiArgs(
        settings=settings,
        code=code,
        table_name=data.table_name,
        table_arn=data.table_arn,
        bucket_name=data.bucket_name,
        bucket_arn=data.bucket_arn,
        state_machine_arn=step_functions.state_machine_arn,
        durable_function_arn=durable.function_arn,
        durable_alias_arn=durable.alias_arn,
    ),
    on_stack_account,
)
trigger = Trigger(
    "trigger",
    TriggerArgs(
        settings=settings,
        bucket_name=data.bucket_name,
        state_machine_arn=step_functions.state_machine_arn,
        durable_function_name=durable.function_name,
        durable_alias_name=durable.alias_name,
        durable_alias_arn=durable.alias_arn,
    ),
    on_stack_account,
)
run_endings = RunEndings(
    "run-endings",
    RunEndingsArgs(
        settings=settings,
        code=code,
        table_name=data.table_name,
        table_arn=data.table_arn,
        bucket_name=data.bucket_name,
        state_machine_arn=step_functions.state_machine_arn,
        state_machine_name=step_functions.state_machine_name,
        durable_function_arn=durable.function_arn,
        account_id=data.account_id,
    ),
    on_stack_account,
)
examples = DurableExamples(
    "durable-examples",
    DurableExamplesArgs(settings=settings, code=lambda_code.bundle(DURABLE_EXAMPLES_BUNDLE.name)),
    on_stack_account,
)
observability = Observability(
    "observability",
    ObservabilityArgs(
        settings=settings,
        state_machine_arn=step_functions.state_machine_arn,
        durable_function_name=durable.function_name,
        dead_letter_queue_names=trigger.dead_letter_queue_names,
    ),
    on_stack_account,
)

pulumi.export("stack", settings.stack)
pulumi.export("region", settings.region)
pulumi.export("bucketName", data.bucket_name)
pulumi.export("tableName", data.table_name)
pulumi.export("discogsTokenSecretName", data.discogs_token.name)
pulumi.export("stateMachineArn", step_functions.state_machine_arn)
pulumi.export("durableFunctionName", durable.function_name)
pulumi.export("durableFunctionAliasArn", durable.alias_arn)
pulumi.export("validationApiUrl", validation_api.url)
pulumi.export("dashboardUrl", observability.dashboard_url)
pulumi.export("durableExampleMinimalAliasArn", examples.alias_arns["minimal"])
pulumi.export("durableExampleShowcaseAliasArn", examples.alias_arns["showcase"])
pulumi.export("durableExampleStepsAliasArn", examples.alias_arns["steps"])
