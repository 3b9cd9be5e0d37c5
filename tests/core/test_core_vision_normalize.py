from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from album_registry.domain.errors import ImageRejectedError
from album_registry.domain.models import ExtractedAlbum
from album_registry.domain.vision import extract_albums
from tests.fakes import ScriptedVision

covers = st.lists(
    st.builds(
        ExtractedAlbum,
        albumIndex=st.just(1),
        artist=st.text(max_size=10),
        albumName=st.text(max_size=10),
        confidence=st.floats(0, 1),
    ),
    min_size=1,
    max_size=10,
).map(
    lambda found: [
        c.model_copy(update={"albumIndex": i, "albumName": f"cover-{i}"})
        for i, c in enumerate(found, start=1)
    ]
)


@given(covers)
def test_always_six_albums_with_unique_indexes_in_reading_order(seen):
    """Properties 6 and 8: exactly six albums, indexes 1..6, each once."""
    albums = extract_albums(ScriptedVision(seen), b"image")
    assert [album.albumIndex for album in albums] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("seen", [[], [ExtractedAlbum(albumIndex=1, artist=" ", albumName="")]])
def test_a_photo_with_no_readable_cover_is_rejected(seen):
    with pytest.raises(ImageRejectedError, match="no album cover could be read"):
        extract_albums(ScriptedVision(seen), b"image")


@given(covers)
def test_more_than_six_keeps_the_most_confident_in_reading_order(seen):
    """Property 6: extra covers are dropped by confidence, order is kept."""
    albums = extract_albums(ScriptedVision(seen), b"image")
    kept = albums[: min(6, len(seen))]
    if len(seen) > 6:
        threshold = sorted((c.confidence for c in seen), reverse=True)[5]
        assert all(album.confidence >= threshold for album in kept)
    positions = [int(album.albumName.removeprefix("cover-")) for album in kept]
    assert positions == sorted(positions)


def test_missing_covers_become_placeholders_for_review():
    """Property 7: fewer than six covers give empty, zero-confidence placeholders."""
    seen = [ExtractedAlbum(albumIndex=1, artist="Nirvana", albumName="Nevermind", year=1991, confidence=0.8)]
    albums = extract_albums(ScriptedVision(seen), b"image")
    assert albums[0].artist == "Nirvana"
    assert all(a.artist == "" and a.albumName == "" and a.confidence == 0 for a in albums[1:])


def test_the_rejection_says_why():
    with pytest.raises(ImageRejectedError) as raised:
        extract_albums(ScriptedVision([]), b"image")
    assert raised.value.reason == "no album cover could be read in the photo"
