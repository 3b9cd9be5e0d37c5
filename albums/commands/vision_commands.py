"""``albums extract``, ``albums eval-vision``, ``albums samples generate`` and ``albums samples holdout``.

The vision step on its own: read one photo, measure a provider on a labelled
set, and render such sets: with the project's own generator, or with the
independent holdout generator that measures the reader on photos it was not
developed against.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from album_registry.constants import BEDROCK_MODEL_ID_ENV, DEFAULT_BEDROCK_MODEL_ID
from album_registry.domain.errors import ImageRejectedError, VisionOutputError, VisionUnavailableError
from album_registry.domain.ports import VisionProvider
from album_registry.domain.vision import extract_albums

_PROVIDERS = ("offline", "bedrock")
_EXIT_REJECTED = 2
_EXIT_PROVIDER_FAILED = 1


def _provider_factory(name: str) -> Callable[[], VisionProvider]:
    """Providers are imported on demand: each pulls in heavy libraries."""
    if name == "bedrock":

        def build_bedrock() -> VisionProvider:
            import boto3

            from album_registry.adapters.bedrock_vision import BEDROCK_CLIENT_CONFIG, BedrockVisionProvider

            return BedrockVisionProvider(
                client=boto3.client("bedrock-runtime", config=BEDROCK_CLIENT_CONFIG),
                model_id=os.environ.get(BEDROCK_MODEL_ID_ENV, DEFAULT_BEDROCK_MODEL_ID),
            )

        return build_bedrock

    def build_offline() -> VisionProvider:
        from local_aws.offline_vision import OfflineVisionProvider

        return OfflineVisionProvider()

    return build_offline


def _fail(command: str, reason: str, code: int) -> int:
    print(f"albums {command}: {reason}", file=sys.stderr)
    return code


def _extract(args: argparse.Namespace) -> int:
    from local_aws.offline_vision import check_image_size

    path = Path(args.image)
    if not path.is_file():
        return _fail("extract", f"no such file: {path}", _EXIT_REJECTED)
    try:
        check_image_size(path.stat().st_size)
        albums = extract_albums(_provider_factory(args.provider)(), path.read_bytes())
    except ImageRejectedError as error:
        return _fail("extract", f"{path}: {error.reason}", _EXIT_REJECTED)
    except (VisionUnavailableError, VisionOutputError) as error:
        return _fail("extract", str(error), _EXIT_PROVIDER_FAILED)
    if args.json:
        print(json.dumps({"albums": [album.model_dump(mode="json") for album in albums]}))
        return 0
    for album in albums:
        year = album.year if album.year is not None else "----"
        print(f"{album.albumIndex}. {album.artist or '?'} - {album.albumName or '?'} ({year})  confidence {album.confidence:.2f}")
    return 0


def _percent(part: int, whole: int) -> str:
    return f"{part}/{whole} = {100 * part / whole:.1f} %" if whole else "n/a"


def _eval_vision(args: argparse.Namespace) -> int:
    from albums.samples.evaluation import evaluate_vision

    directory = Path(args.directory)
    if not directory.is_dir():
        return _fail("eval-vision", f"no such directory: {directory}", _EXIT_REJECTED)
    result = evaluate_vision(_provider_factory(args.provider), directory)
    print(f"provider: {args.provider}   images: {result.images}   covers: {result.covers}")
    print(f"six albums every time: {'yes' if result.alwaysSix else 'NO'}")
    print(f"artist and title right: {_percent(result.namesRight, result.covers)}")
    print(f"  famous albums: {_percent(result.famousNamesRight, result.famousCovers)}")
    print(f"  unknown albums: {_percent(result.unknownNamesRight, result.unknownCovers)}")
    print(f"year right on famous albums: {_percent(result.famousYearsRight, result.famousCovers)}")
    print(
        f"seconds per image: {result.secondsPerImage:.2f} (model load included), "
        f"{result.secondsPerImageAfterLoad:.2f} after load"
    )
    for miss in result.misses:
        print(f"  miss {miss.file} #{miss.albumIndex}: expected {miss.expected!r}, got {miss.got!r}")
    return 0


def _generate_samples(args: argparse.Namespace) -> int:
    from albums.samples import ShelfStyle, generate_shelf_set

    truth = generate_shelf_set(Path(args.out_dir), count=args.count, seed=args.seed, style=ShelfStyle(args.style))
    print(f"wrote {len(truth.images)} photos and truth.json to {args.out_dir}")
    return 0


def _generate_holdout(args: argparse.Namespace) -> int:
    from albums.holdout import HoldoutFontsMissing, generate_holdout_set

    try:
        truth = generate_holdout_set(Path(args.out_dir), count=args.count, seed=args.seed)
    except HoldoutFontsMissing as error:
        return _fail("samples holdout", str(error), _EXIT_PROVIDER_FAILED)
    print(f"wrote {len(truth.images)} holdout photos and truth.json to {args.out_dir}")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    extract = subparsers.add_parser("extract", help="read the six albums on a shelf photo")
    extract.add_argument("image", help="a JPEG, PNG, GIF or WebP photo, at most 20 MB")
    extract.add_argument("--provider", choices=_PROVIDERS, default="offline",
                         help="offline: the local stack's reader, in this process; bedrock: the Converse API at AWS_ENDPOINT_URL or AWS")
    extract.add_argument("--json", action="store_true", help='print only {"albums": [...]}')
    extract.set_defaults(handler=_extract)

    evaluate = subparsers.add_parser("eval-vision", help="measure a vision provider on a labelled photo set")
    evaluate.add_argument("directory", help="photos and the truth.json written by `albums samples generate`")
    evaluate.add_argument("--provider", choices=_PROVIDERS, default="offline",
                         help="offline: the local stack's reader, in this process; bedrock: the Converse API at AWS_ENDPOINT_URL or AWS")
    evaluate.set_defaults(handler=_eval_vision)

    samples = subparsers.add_parser("samples", help="synthetic shelf photos with a truth file")
    sample_commands = samples.add_subparsers(dest="samples_command", required=True, metavar="COMMAND")
    generate = sample_commands.add_parser("generate", help="render N shelf photos and truth.json")
    generate.add_argument("out_dir")
    generate.add_argument("--count", type=int, default=4)
    generate.add_argument("--seed", type=int, default=1)
    generate.add_argument("--style", choices=["default", "alternate"], default="default")
    generate.set_defaults(handler=_generate_samples)

    holdout = sample_commands.add_parser(
        "holdout", help="render N shelf photos and truth.json with the independent holdout generator"
    )
    holdout.add_argument("out_dir")
    holdout.add_argument("--count", type=int, default=12)
    holdout.add_argument("--seed", type=int, default=1)
    holdout.set_defaults(handler=_generate_holdout)
