"""The bench's own local stack runs as ``albums local up`` does: a process apart from the bench's."""

from __future__ import annotations

import os
import urllib.request

import pytest

from albums.bench.own_stack import own_local_stack
from local_aws.stack_info import LocalStackInfo, LocalStackStartError


def test_the_stack_serves_from_a_process_of_its_own_and_is_gone_after_the_run():
    with own_local_stack(function_concurrency=1) as access:
        assert access.log_dir is not None and access.endpoint_url is not None
        data_dir = access.log_dir.parent
        info = LocalStackInfo.read(data_dir)
        assert info is not None and info.pid != os.getpid()
        assert info.endpoint == access.endpoint_url
        assert access.client("s3").head_bucket(Bucket=access.outputs.bucket_name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(ProcessLookupError):
        os.kill(info.pid, 0)
    assert not data_dir.exists()
    with pytest.raises(OSError):
        urllib.request.urlopen(access.endpoint_url, timeout=5)


def test_a_stack_that_cannot_start_says_why():
    with pytest.raises(LocalStackStartError) as raised:
        with own_local_stack(validation_timeout=0):
            pytest.fail("the stack started with a validation timeout of 0 s")
    assert "validationTimeoutSeconds" in raised.value.reason
