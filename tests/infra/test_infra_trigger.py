"""The EventBridge trigger: both targets with retries and DLQs, the durable one via its alias."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from album_registry.domain.errors import InvalidS3KeyError
from album_registry.domain.s3_keys import IMAGE_EXTENSIONS, UPLOAD_PREFIX, validate_upload_key
from components.trigger import extension_spellings, upload_event_pattern
from local_aws.pulumi_program import ProgramRun


TRIGGER = "vinyl:index:Trigger"


def _targets(run: ProgramRun) -> dict[str, dict[str, Any]]:
    return {
        t.inputs["targetId"]: t.inputs
        for t in run.of_type("aws:cloudwatch/eventTarget:EventTarget")
        if t.parent_type == TRIGGER
    }


def _queue_arn(run: ProgramRun, name: str) -> str:
    return f"arn:aws:sqs:{run.region}:{run.account_id}:{name}"


def test_rule_matches_object_created_in_this_bucket(dev_run: ProgramRun) -> None:
    rule = dev_run.one("aws:cloudwatch/eventRule:EventRule", "trigger-uploads-rule").inputs
    assert rule["name"] == "vinyl-dev-uploads"
    assert json.loads(rule["eventPattern"]) == upload_event_pattern(dev_run.exports["bucketName"])


def test_both_targets_retry_then_dead_letter_to_their_own_queue(dev_run: ProgramRun) -> None:
    targets = _targets(dev_run)
    assert set(targets) == {"step-functions", "durable-functions"}
    queues = {
        "step-functions": _queue_arn(dev_run, "vinyl-dev-sf-trigger-dlq"),
        "durable-functions": _queue_arn(dev_run, "vinyl-dev-ldf-trigger-dlq"),
    }
    for target_id, target in targets.items():
        assert target["rule"] == "vinyl-dev-uploads"
        assert target["retryPolicy"]["maximumRetryAttempts"] > 0
        assert target["retryPolicy"]["maximumEventAgeInSeconds"] > 0
        assert target["deadLetterConfig"] == {"arn": queues[target_id]}


def test_step_functions_target_starts_this_state_machine_with_its_role(dev_run: ProgramRun) -> None:
    target = _targets(dev_run)["step-functions"]
    assert target["arn"] == dev_run.exports["stateMachineArn"]
    assert target["roleArn"] == f"arn:aws:iam::{dev_run.account_id}:role/vinyl-dev-trigger-role"


def test_durable_target_is_the_alias_and_may_invoke_only_it(dev_run: ProgramRun) -> None:
    target = _targets(dev_run)["durable-functions"]
    assert target["arn"] == dev_run.exports["durableFunctionAliasArn"]
    assert target["arn"].endswith(":live")
    permission = dev_run.one("aws:lambda/permission:Permission", "trigger-ldf-invoke").inputs
    assert permission["principal"] == "events.amazonaws.com"
    assert permission["function"] == "vinyl-dev-durable-pipeline"
    assert permission["qualifier"] == "live"
    assert permission["sourceArn"] == f"arn:aws:events:{dev_run.region}:{dev_run.account_id}:rule/vinyl-dev-uploads"


def test_extension_spellings_cover_every_case() -> None:
    assert sorted(extension_spellings(".png")) == sorted(
        ["." + a + b + c for a in "pP" for b in "nN" for c in "gG"]
    )
    assert len(extension_spellings(".jpeg")) == 16


def _wildcard_matches(pattern: str, value: str) -> bool:
    """EventBridge wildcard semantics: ``*`` is any run of characters, the rest literal."""
    return re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), value, flags=re.DOTALL) is not None


def _pattern_accepts(key: str) -> bool:
    filters = upload_event_pattern("bucket")["detail"]["object"]["key"]
    return any(_wildcard_matches(f["wildcard"], key) for f in filters)


def _has_upload_shape(key: str) -> bool:
    return key.startswith(UPLOAD_PREFIX) and key.lower().endswith(IMAGE_EXTENSIONS)


_key_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@given(
    prefix=st.sampled_from(["", UPLOAD_PREFIX, "Uploads/", "other/uploads/"]),
    middle=_key_text,
    extension=st.sampled_from([*IMAGE_EXTENSIONS, ".gif", ".jpg.txt", ""]).flatmap(
        lambda ext: st.sampled_from(extension_spellings(ext) if ext else [""])
    ),
)
@example(prefix=UPLOAD_PREFIX, middle="shelf", extension=".JpEg")
@example(prefix=UPLOAD_PREFIX, middle="a*b", extension=".webp")
def test_rule_matches_exactly_keys_with_the_upload_shape(prefix: str, middle: str, extension: str) -> None:
    key = prefix + middle + extension
    assert _pattern_accepts(key) == _has_upload_shape(key)


@given(
    name=_key_text,
    extension=st.sampled_from(IMAGE_EXTENSIONS).flatmap(lambda ext: st.sampled_from(extension_spellings(ext))),
)
def test_every_key_the_core_accepts_reaches_the_pipelines(name: str, extension: str) -> None:
    key = UPLOAD_PREFIX + name + extension
    try:
        validate_upload_key(key)
    except InvalidS3KeyError:
        return
    assert _pattern_accepts(key)
