"""Stack configuration, read once into a typed settings object.

Every setting lives in the project's config namespace (``vinyl-album-registry:``)
and has a documented default, so ``pulumi up`` works on a fresh stack with only
``aws:region`` set. ``aws:region``, ``aws:profile`` and ``aws:assumeRoles`` (pulumi-aws v7 list
form) come from the ``aws`` namespace and configure the stack's own provider.

============================== ============================================ =========
key                            meaning                                      default
============================== ============================================ =========
validationTimeoutSeconds       how long a validation task waits for a human 3600
priceAgentConcurrency          price agents running at once (map width)     6
logRetentionDays               CloudWatch Logs retention of every log group 14
failedExecutionsAlarmThreshold failed executions per period that alarm      1
dlqDepthAlarmThreshold         messages in a trigger DLQ that alarm         1
alarmPeriodSeconds             period of both alarms                        300
deployTarget                   ``aws``, or ``local`` for the local stack    aws
bedrockModelId                 model id or inference profile id             (constants)
durableExecutionTimeoutSeconds a run's limit, both patterns; > validation   86400
durableRetentionDays           durable execution history retention (1-90)   14
lambdaMemoryMb                 memory of every function                     1024
lambdaTimeoutSeconds           per-invocation timeout of every function     900
noncurrentVersionDays          days an overwritten upload version is kept   30
faultInjection                 a fault plan (JSON) for a chaos run          (none)
discogsBaseUrl                 the Discogs API the price agents ask         api.discogs.com
============================== ============================================ =========

The environment of every Lambda is built here too (``lambda_environment``), from
the names in ``album_registry.constants``, so a variable is spelled once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import pulumi
import pydantic
from album_registry import constants
from album_registry.adapters.fault_injection import FaultPlan
from album_registry.domain.models import WorkflowType
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_camel

PROJECT_NAME = "vinyl-album-registry"
RESOURCE_PREFIX = "vinyl"
DEFAULT_REGION = "us-east-2"

DEPLOY_TARGETS = ("aws", "local")
# The settings that take one of a few values: their key in the stack file, and the values.
_CHOICES = {"deploy_target": ("deployTarget", DEPLOY_TARGETS)}
AWS_DEPLOY_TARGET = "aws"

# Stack names go into bucket names: lowercase letters, digits and dashes only.
_STACK_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,19}$")
# Cross-region inference profiles are model ids with a geography prefix.
_INFERENCE_PROFILE_PREFIXES = ("us.", "eu.", "apac.", "jp.", "au.", "ca.", "global.")


class AssumeRole(BaseModel):
    """One entry of ``aws:assumeRoles``, spelled as the stack config spells it."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    role_arn: str
    session_name: str | None = None
    external_id: str | None = None
    duration: str | None = None
    policy: str | None = None
    policy_arns: list[str] | None = None
    source_identity: str | None = None
    tags: dict[str, str] | None = None
    transitive_tag_keys: list[str] | None = None

    def provider_args(self) -> dict[str, Any]:
        """Keyword arguments of ``aws.ProviderAssumeRoleArgs``."""
        return self.model_dump(exclude_none=True)


class StackSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    region: str = DEFAULT_REGION
    profile: str | None = None
    assume_roles: tuple[AssumeRole, ...] = ()
    # Seconds, not minutes: the demo and the tests let tasks time out quickly.
    validation_timeout_seconds: int = Field(
        default=constants.DEFAULT_VALIDATION_TIMEOUT_SECONDS, ge=1
    )
    price_agent_concurrency: int = Field(
        default=constants.DEFAULT_PRICE_AGENT_CONCURRENCY, ge=1, le=40
    )
    log_retention_days: int = 14
    failed_executions_alarm_threshold: int = Field(default=1, ge=1)
    dlq_depth_alarm_threshold: int = Field(default=1, ge=1)
    alarm_period_seconds: int = Field(default=300, ge=60)
    deploy_target: str = AWS_DEPLOY_TARGET
    bedrock_model_id: str = constants.DEFAULT_BEDROCK_MODEL_ID
    durable_execution_timeout_seconds: int = Field(default=86400, le=31_622_400)
    durable_retention_days: int = Field(default=14, ge=1, le=90)
    lambda_memory_mb: int = Field(default=1024, ge=128, le=10240)
    lambda_timeout_seconds: int = Field(default=900, ge=1, le=900)
    noncurrent_version_days: int = Field(default=30, ge=1)
    # A chaos run's faults at the ports (FaultPlan), for the functions that run the steps.
    fault_injection: str | None = None
    # Where the price agents reach the Discogs API (a proxy, or a stand-in on the local
    # stack); unset, the functions use the public API.
    discogs_base_url: str | None = None

    @field_validator("stack")
    @classmethod
    def _stack_fits_in_names(cls, stack: str) -> str:
        if not _STACK_NAME.fullmatch(stack):
            raise ValueError(
                f"stack name {stack!r} must be 1-20 lowercase letters, digits or dashes"
            )
        return stack

    @field_validator("deploy_target")
    @classmethod
    def _known_choice(cls, value: str, info: ValidationInfo) -> str:
        key, choices = _CHOICES[info.field_name]
        if value not in choices:
            raise ValueError(f"{key} must be one of {', '.join(choices)}")
        return value

    @field_validator("fault_injection")
    @classmethod
    def _fault_plan_parses(cls, plan: str | None) -> str | None:
        if plan is not None:
            try:
                FaultPlan.parse(plan)
            except pydantic.ValidationError as error:
                first = error.errors()[0]
                where = ".".join(str(part) for part in first["loc"]) or "the plan"
                raise ValueError(f"faultInjection is not a fault plan: {where}: {first['msg']}") from None
        return plan

    @field_validator("discogs_base_url")
    @classmethod
    def _discogs_base_url_is_http(cls, url: str | None) -> str | None:
        if url is not None:
            parsed = urlsplit(url)
            if parsed.scheme not in ("http", "https") or not parsed.hostname:
                raise ValueError(f"discogsBaseUrl must be an http or https URL, not {url!r}")
        return url

    @model_validator(mode="after")
    def _durable_outlives_validation(self) -> StackSettings:
        # A durable execution suspended on the validation callback must still be
        # alive when the callback times out, or the timeout path never runs.
        if self.durable_execution_timeout_seconds <= self.validation_timeout_seconds:
            raise ValueError(
                "durableExecutionTimeoutSeconds "
                f"({self.durable_execution_timeout_seconds}) must be longer than "
                f"validationTimeoutSeconds ({self.validation_timeout_seconds})"
            )
        return self

    def name(self, suffix: str) -> str:
        """Physical name of a resource: every name carries the stack."""
        return f"{RESOURCE_PREFIX}-{self.stack}-{suffix}"

    @property
    def deploys_to_aws(self) -> bool:
        return self.deploy_target == AWS_DEPLOY_TARGET


# Config keys in the project namespace, mapped to the settings fields they set.
_PROJECT_KEYS = {
    "validationTimeoutSeconds": "validation_timeout_seconds",
    "priceAgentConcurrency": "price_agent_concurrency",
    "logRetentionDays": "log_retention_days",
    "failedExecutionsAlarmThreshold": "failed_executions_alarm_threshold",
    "dlqDepthAlarmThreshold": "dlq_depth_alarm_threshold",
    "alarmPeriodSeconds": "alarm_period_seconds",
    "bedrockModelId": "bedrock_model_id",
    "durableExecutionTimeoutSeconds": "durable_execution_timeout_seconds",
    "durableRetentionDays": "durable_retention_days",
    "lambdaMemoryMb": "lambda_memory_mb",
    "lambdaTimeoutSeconds": "lambda_timeout_seconds",
    "noncurrentVersionDays": "noncurrent_version_days",
    "deployTarget": "deploy_target",
    "faultInjection": "fault_injection",
    "discogsBaseUrl": "discogs_base_url",
}


class RetiredSettingError(ValueError):
    """A stack file still sets a key the program no longer reads."""

    def __init__(self, *, key: str, reason: str) -> None:
        super().__init__(f"{PROJECT_NAME}:{key} is no longer a setting: {reason}. Remove it from the stack file.")
        self.key = key


# Keys an older stack file may hold, and why they went: silently ignoring one
# would leave its owner believing it still has an effect.
_RETIRED_KEYS = {
    "visionProvider": (
        "the functions always read covers through Bedrock's Converse API, and the local "
        "stack answers that API with its offline reader (no local-only code ships)"
    ),
}


class UnknownSettingError(ValueError):
    """A config key the program does not read."""

    def __init__(self, *, key: str) -> None:
        super().__init__(f"{key} is not a setting of {PROJECT_NAME}; its settings are: {', '.join(_PROJECT_KEYS)}")
        self.key = key


class InvalidSettingError(ValueError):
    """A config value the program would refuse."""

    def __init__(self, *, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


def project_config(stack: str, values: Mapping[str, str]) -> dict[str, str]:
    """Config values as ``pulumi config set KEY VALUE`` stores them: a bare key is the
    project's, and every value is a string. Checked as ``load_settings`` reads them, so a
    stack never starts with a key the program ignores or a value it would refuse."""
    namespace = f"{PROJECT_NAME}:"
    config: dict[str, str] = {}
    fields: dict[str, Any] = {"stack": stack}
    for given, value in values.items():
        key = given.removeprefix(namespace)
        if key in _RETIRED_KEYS:
            raise RetiredSettingError(key=key, reason=_RETIRED_KEYS[key])
        if key not in _PROJECT_KEYS:
            raise UnknownSettingError(key=given)
        config[namespace + key] = value
        fields[_PROJECT_KEYS[key]] = value
    try:
        StackSettings.model_validate(fields)
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else None
        key = next((k for k, f in _PROJECT_KEYS.items() if f == field), "the settings")
        raise InvalidSettingError(key=key, problem=first["msg"]) from None
    return config


def load_settings() -> StackSettings:
    """Read the current stack's configuration; unset keys keep their defaults."""
    project = pulumi.Config(PROJECT_NAME)
    for key, reason in _RETIRED_KEYS.items():
        if project.get(key) is not None:
            raise RetiredSettingError(key=key, reason=reason)
    aws = pulumi.Config("aws")
    values: dict[str, Any] = {"stack": pulumi.get_stack()}
    region = aws.get("region")
    if region:
        values["region"] = region
    profile = aws.get("profile")
    if profile:
        values["profile"] = profile
    assume_roles = aws.get_object("assumeRoles")
    if assume_roles:
        values["assume_roles"] = tuple(AssumeRole.model_validate(role) for role in assume_roles)
    for key, field in _PROJECT_KEYS.items():
        raw = project.get(key)
        if raw is not None:
            values[field] = raw
    return StackSettings.model_validate(values)


def bedrock_model_arns(model_id: str, region: str, account_id: str) -> list[str]:
    """The ARNs ``bedrock:InvokeModel`` needs for one model id, and no others.

    An inference profile id (``us.anthropic...``) needs the profile's ARN and the
    foundation model's ARN in every region the profile may route to, hence the
    region wildcard there; a plain model id needs its foundation model ARN here.
    """
    for prefix in _INFERENCE_PROFILE_PREFIXES:
        if model_id.startswith(prefix):
            foundation_model = model_id[len(prefix):]
            return [
                f"arn:aws:bedrock:{region}:{account_id}:inference-profile/{model_id}",
                f"arn:aws:bedrock:*::foundation-model/{foundation_model}",
            ]
    return [f"arn:aws:bedrock:{region}::foundation-model/{model_id}"]


def lambda_environment(
    settings: StackSettings,
    *,
    service: str,
    metrics_namespace: str | None,
    table_name: pulumi.Input[str],
    bucket_name: pulumi.Input[str],
    workflow: WorkflowType | None = None,
    state_machine_arn: pulumi.Input[str] | None = None,
    durable_function_arn: pulumi.Input[str] | None = None,
    discogs_token_secret_name: pulumi.Input[str] | None = None,
) -> dict[str, pulumi.Input[str]]:
    """Environment variables of one Lambda: the only place their names are used.

    ``workflow`` is unset for the validation API, which serves both patterns.
    ``discogs_token_secret_name`` is set for the functions that price albums
    only: the secret's name, never the token; they get the Discogs API's base
    URL too, when ``discogsBaseUrl`` sets one.
    """
    environment: dict[str, pulumi.Input[str]] = {
        constants.TABLE_NAME_ENV: table_name,
        constants.BUCKET_NAME_ENV: bucket_name,
        constants.BEDROCK_MODEL_ID_ENV: settings.bedrock_model_id,
        constants.VALIDATION_TIMEOUT_SECONDS_ENV: str(settings.validation_timeout_seconds),
        constants.PRICE_AGENT_CONCURRENCY_ENV: str(settings.price_agent_concurrency),
        constants.POWERTOOLS_SERVICE_NAME_ENV: service,
    }
    # A function that emits no metrics has no namespace.
    if metrics_namespace is not None:
        environment[constants.POWERTOOLS_METRICS_NAMESPACE_ENV] = metrics_namespace
    if workflow is not None:
        environment[constants.WORKFLOW_TYPE_ENV] = workflow.value
    if state_machine_arn is not None:
        environment[constants.STATE_MACHINE_ARN_ENV] = state_machine_arn
    if durable_function_arn is not None:
        environment[constants.DURABLE_FUNCTION_ARN_ENV] = durable_function_arn
    if discogs_token_secret_name is not None:
        environment[constants.DISCOGS_TOKEN_SECRET_NAME_ENV] = discogs_token_secret_name
        if settings.discogs_base_url is not None:
            environment[constants.DISCOGS_BASE_URL_ENV] = settings.discogs_base_url
    return environment
