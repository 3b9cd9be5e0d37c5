"""The data both patterns share: one DynamoDB table, one upload bucket, and the Discogs token's secret."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from album_registry.domain import keys

from components.settings import StackSettings


@dataclass(frozen=True)
class SecretReference:
    """What a function needs to read a secret: its name (for the SDK) and ARN (for IAM)."""

    name: pulumi.Output[str]
    arn: pulumi.Output[str]


class SharedDataArgs:
    def __init__(self, *, settings: StackSettings) -> None:
        self.settings = settings


class SharedData(pulumi.ComponentResource):
    """The registry table (keys and GSI1 from the core), the upload bucket, and
    the secret that holds the Discogs token of the price agents.

    The table is on demand with point-in-time recovery and server-side
    encryption. The bucket is versioned, encrypted, closed to the public, sends
    its events to EventBridge, and expires overwritten versions after
    ``noncurrentVersionDays``. The secret is declared without a value: its owner
    sets the token after deployment (``albums secret set-discogs-token``), and
    until then the functions price with the offline model.
    """

    def __init__(self, name: str, args: SharedDataArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("vinyl:index:SharedData", name, {}, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)

        self.table = aws.dynamodb.Table(
            f"{name}-table",
            name=settings.name("albums"),
            billing_mode="PAY_PER_REQUEST",
            hash_key=keys.PARTITION_KEY,
            range_key=keys.SORT_KEY,
            attributes=[
                aws.dynamodb.TableAttributeArgs(name=attribute, type="S")
                for attribute in (
                    keys.PARTITION_KEY,
                    keys.SORT_KEY,
                    keys.GSI1_PARTITION_KEY,
                    keys.GSI1_SORT_KEY,
                )
            ],
            global_secondary_indexes=[
                aws.dynamodb.TableGlobalSecondaryIndexArgs(
                    name=keys.GSI1_NAME,
                    key_schemas=[
                        aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                            attribute_name=keys.GSI1_PARTITION_KEY, key_type="HASH"
                        ),
                        aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                            attribute_name=keys.GSI1_SORT_KEY, key_type="RANGE"
                        ),
                    ],
                    projection_type="ALL",
                )
            ],
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(enabled=True),
            opts=child,
        )

        # Bucket names are global: the account and region make the stack's name unique.
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        self.account_id: pulumi.Output[str] = identity.account_id
        self.bucket = aws.s3.Bucket(
            f"{name}-uploads",
            bucket=pulumi.Output.concat(
                settings.name("uploads"), "-", self.account_id, "-", settings.region
            ),
            opts=child,
        )
        bucket_opts = pulumi.ResourceOptions(parent=self, depends_on=[self.bucket])
        self.public_access_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-uploads-public-access",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=bucket_opts,
        )
        self.ownership = aws.s3.BucketOwnershipControls(
            f"{name}-uploads-ownership",
            bucket=self.bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=bucket_opts,
        )
        self.encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-uploads-encryption",
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    ),
                    bucket_key_enabled=True,
                )
            ],
            opts=bucket_opts,
        )
        self.versioning = aws.s3.BucketVersioning(
            f"{name}-uploads-versioning",
            bucket=self.bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled"
            ),
            opts=bucket_opts,
        )
        self.lifecycle = aws.s3.BucketLifecycleConfiguration(
            f"{name}-uploads-lifecycle",
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-old-versions",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=settings.noncurrent_version_days
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=7
                    ),
                )
            ],
            # Lifecycle rules on noncurrent versions need versioning in place first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.versioning]),
        )
        self.notifications = aws.s3.BucketNotification(
            f"{name}-uploads-eventbridge",
            bucket=self.bucket.id,
            eventbridge=True,
            opts=bucket_opts,
        )

        self.discogs_token_secret = aws.secretsmanager.Secret(
            f"{name}-discogs-token",
            name=settings.name("discogs-token"),
            description="Discogs personal access token of the price agents; unset or blank: offline prices",
            # Deleted at once on destroy: the token is its owner's and can be set
            # again, while a recovery window would keep the name taken from a new stack.
            recovery_window_in_days=0,
            opts=child,
        )

        self.table_name: pulumi.Output[str] = self.table.name
        self.table_arn: pulumi.Output[str] = self.table.arn
        self.bucket_name: pulumi.Output[str] = self.bucket.bucket
        self.bucket_arn: pulumi.Output[str] = self.bucket.arn
        self.discogs_token = SecretReference(name=self.discogs_token_secret.name, arn=self.discogs_token_secret.arn)
        self.register_outputs(
            {
                "tableName": self.table_name,
                "tableArn": self.table_arn,
                "bucketName": self.bucket_name,
                "bucketArn": self.bucket_arn,
                "discogsTokenSecretName": self.discogs_token.name,
                "discogsTokenSecretArn": self.discogs_token.arn,
            }
        )
