from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from album_registry.domain.errors import InvalidS3KeyError
from album_registry.domain.s3_keys import IMAGE_EXTENSIONS, validate_upload_key

safe_segment = st.text(
    alphabet=st.characters(categories=("L", "N"), include_characters="-_ "), min_size=1, max_size=30
).filter(lambda s: s not in (".", ".."))


@given(
    folders=st.lists(safe_segment, max_size=3),
    stem=safe_segment,
    extension=st.sampled_from(IMAGE_EXTENSIONS),
    upper=st.booleans(),
)
def test_keys_under_uploads_with_an_image_extension_are_accepted(folders, stem, extension, upper):
    """Property 3: S3 key validation accepts image uploads under uploads/."""
    key = "uploads/" + "".join(f"{folder}/" for folder in folders) + stem + (
        extension.upper() if upper else extension
    )
    if len(key.encode()) <= 1024:
        assert validate_upload_key(key) == key


EXTENSIONS_RULE = "file name must end in one of .jpg, .jpeg, .png, .webp"


@pytest.mark.parametrize(
    ("key", "rule"),
    [
        ("", "key is empty"),
        ("/uploads/a.jpg", "key starts with '/'"),
        ("uploads/../secret.jpg", "key contains a '.' or '..' segment"),
        ("uploads/./a.jpg", "key contains a '.' or '..' segment"),
        ("photos/a.jpg", "key is not under 'uploads/'"),
        ("uploads/a.gif", EXTENSIONS_RULE),
        ("uploads/.jpg", EXTENSIONS_RULE),
        ("uploads/a/b/.jpg", EXTENSIONS_RULE),  # the name is the last segment, not all below uploads/
        ("uploads/a\x00.jpg", "key contains control characters"),
        ("uploads/a\n.png", "key contains control characters"),
        ("uploads/" + "a" * 1020 + ".jpg", "key is longer than 1024 bytes"),
    ],
)
def test_each_broken_rule_is_named(key, rule):
    """Property 3: S3 key validation names the rule a key breaks, and the key."""
    with pytest.raises(InvalidS3KeyError) as raised:
        validate_upload_key(key)
    assert raised.value.rule == rule and raised.value.key == key
    assert str(raised.value) == f"S3 key {key[:80]!r} rejected: {rule}"


@given(st.text(max_size=60))
def test_arbitrary_text_is_accepted_only_when_every_rule_holds(key):
    """Property 3: S3 key validation never lets a rule-breaking key through."""
    try:
        validate_upload_key(key)
    except InvalidS3KeyError:
        return
    assert key.startswith("uploads/")
    assert key.lower().endswith(IMAGE_EXTENSIONS)
    assert ".." not in key.split("/")
    assert all(ord(char) >= 32 and char != "\x7f" for char in key)


@pytest.mark.parametrize("key", [None, 42, b"uploads/a.jpg"])
def test_non_string_keys_are_rejected(key):
    with pytest.raises(InvalidS3KeyError) as raised:
        validate_upload_key(key)
    assert (raised.value.key, raised.value.rule) == (repr(key), "key must be a string")


@pytest.mark.parametrize(
    "key",
    [
        "uploads/" + "a" * 1012 + ".jpg",  # exactly 1024 bytes
        "uploads/" + "é" * 506 + ".jpg",  # 1024 bytes of two-byte letters
        "uploads/shelf.JPEG",
        "uploads/a/b/shelf.webp",
        "uploads/..shelf.png",  # dots inside a name are no segment
    ],
)
def test_keys_at_the_edges_are_accepted(key):
    assert validate_upload_key(key) == key


@pytest.mark.parametrize(
    ("key", "rule"),
    [
        ("uploads/" + "é" * 507 + ".jpg", "key is longer than 1024 bytes"),  # 1026 bytes, 519 characters
        ("uploads/a/../b.jpg", "key contains a '.' or '..' segment"),
        ("uploads/a/.jpg", EXTENSIONS_RULE),
        ("uploads/.JPEG", EXTENSIONS_RULE),
        ("uploads/a.jpg/", EXTENSIONS_RULE),
        ("uploads/\udcff.jpg", "key is not valid UTF-8"),
    ],
)
def test_keys_past_the_edges_are_rejected(key, rule):
    with pytest.raises(InvalidS3KeyError) as raised:
        validate_upload_key(key)
    assert raised.value.rule == rule and raised.value.key == key


def test_a_long_key_is_shown_cut_to_80_characters():
    key = "photos/" + "a" * 200 + ".jpg"
    with pytest.raises(InvalidS3KeyError) as raised:
        validate_upload_key(key)
    assert str(raised.value) == f"S3 key {key[:80]!r} rejected: key is not under 'uploads/'"
    assert raised.value.key == key
