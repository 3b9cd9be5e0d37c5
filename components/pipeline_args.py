"""What either pipeline component is given: settings, code and the shared data."""

from __future__ import annotations

import pulumi

from components.settings import StackSettings


class PipelineArgs:
    def __init__(
        self,
        *,
        settings: StackSettings,
        code: pulumi.Input[pulumi.Archive],
        account_id: pulumi.Input[str],
        table_name: pulumi.Input[str],
        table_arn: pulumi.Input[str],
        bucket_name: pulumi.Input[str],
        bucket_arn: pulumi.Input[str],
    ) -> None:
        self.settings = settings
        self.code = code
        self.account_id = account_id
        self.table_name = table_name
        self.table_arn = table_arn
        self.bucket_name = bucket_name
        self.bucket_arn = bucket_arn
