"""Debian's chromium under Playwright, as every browser test launches it (Playwright must not download one)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import BrowserContext, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}


@contextmanager
def chromium_context(**options: Any) -> Iterator[BrowserContext]:
    """A headless chromium with a fresh profile; ``options`` go to Playwright's context."""
    with tempfile.TemporaryDirectory(prefix="albums-chromium-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT, **options
        )
        try:
            yield context
        finally:
            context.close()
