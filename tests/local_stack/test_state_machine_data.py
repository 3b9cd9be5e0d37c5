"""moto copies a run's data as JSON (local_aws/state_machine_data.py)."""

from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from moto.stepfunctions.parser.asl.eval import states

from local_aws.state_machine_data import copy_of_json, install_json_copies

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=40,
)


def containers(value: Any) -> list[Any]:
    """Every dict and list in ``value``, itself included."""
    if isinstance(value, dict):
        return [value, *(c for item in value.values() for c in containers(item))]
    if isinstance(value, list):
        return [value, *(c for item in value for c in containers(item))]
    return []


@given(JSON)
def test_a_copy_equals_the_data_and_shares_no_container_with_it(data: Any) -> None:
    copied = copy_of_json(data)

    assert copied == data
    assert {id(c) for c in containers(copied)}.isdisjoint(id(c) for c in containers(data))


def test_what_is_not_json_is_deep_copied_as_before() -> None:
    data = {"albums": [OrderedDict(title="Blue", tracks=[1, 2]), ("Court", 1971)]}

    copied = copy_of_json(data)

    assert copied == data == copy.deepcopy(data)
    assert type(copied["albums"][0]) is OrderedDict
    assert copied["albums"][0]["tracks"] is not data["albums"][0]["tracks"]


def test_the_run_s_states_copy_their_data_as_json() -> None:
    install_json_copies()
    install_json_copies()

    assert states.copy.deepcopy is copy_of_json
    assert states.copy.copy is copy.copy
