"""``albums demo``: the whole job on the local stack, for ``make demo``."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    demo = subparsers.add_parser("demo", help="run both pipelines on sample photos on the local stack")
    demo.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from albums.demo import Demo  # the local stack's engines load only when the demo runs

    return Demo().run()
