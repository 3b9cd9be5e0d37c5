"""Names of the environment variables the functions read, in one place.

The Pulumi components set exactly these on every Lambda (the local stack's
workers get them from the same program), so a name is spelled once.
"""

from __future__ import annotations

TABLE_NAME_ENV = "TABLE_NAME"
BUCKET_NAME_ENV = "BUCKET_NAME"
WORKFLOW_TYPE_ENV = "WORKFLOW_TYPE"
BEDROCK_MODEL_ID_ENV = "BEDROCK_MODEL_ID"
VALIDATION_TIMEOUT_SECONDS_ENV = "VALIDATION_TIMEOUT_SECONDS"
PRICE_AGENT_CONCURRENCY_ENV = "PRICE_AGENT_CONCURRENCY"
# Names the Secrets Manager secret holding the Discogs token, never the token itself.
DISCOGS_TOKEN_SECRET_NAME_ENV = "DISCOGS_TOKEN_SECRET_NAME"
DISCOGS_BASE_URL_ENV = "DISCOGS_BASE_URL"
STATE_MACHINE_ARN_ENV = "STATE_MACHINE_ARN"
DURABLE_FUNCTION_ARN_ENV = "DURABLE_FUNCTION_ARN"
FAULT_INJECTION_ENV = "FAULT_INJECTION"
POWERTOOLS_SERVICE_NAME_ENV = "POWERTOOLS_SERVICE_NAME"
POWERTOOLS_METRICS_NAMESPACE_ENV = "POWERTOOLS_METRICS_NAMESPACE"

DEFAULT_VALIDATION_TIMEOUT_SECONDS = 3600
DEFAULT_PRICE_AGENT_CONCURRENCY = 6
# How long a warm function keeps what it read from the Discogs token's secret.
DISCOGS_TOKEN_MAX_AGE_SECONDS = 300
# Claude Sonnet 4.5 through the US cross-region inference profile: a current
# vision model that follows a tool schema reliably and is served on demand.
DEFAULT_BEDROCK_MODEL_ID = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

ALBUMS_PER_IMAGE = 6

# CloudWatch namespaces of the custom metrics, one per pattern (keyed by the
# workflow type's value) and one for the validation API both share.
METRICS_NAMESPACES = {
    "step-functions": "VinylAlbums/StepFunctions",
    "durable-functions": "VinylAlbums/DurableFunctions",
}
VALIDATION_API_METRICS_NAMESPACE = "VinylAlbums/ValidationApi"
