"""Shared fixtures: the repository's paths, MNIST, a localhost server for site/ and headless Chromium."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest  # noqa: E402

from tests.browser import launch_chromium, serve  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"


@pytest.fixture(scope="session")
def mnist_test():
    from training.data import load_mnist

    return load_mnist("test")


@pytest.fixture(scope="session")
def site_url():
    """site/ served by the standard library's handler, as `make serve` does."""
    with serve(SITE) as url:
        yield url


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh page that records console errors, uncaught exceptions and every request URL."""
    context = chromium.new_context()
    page = context.new_page()
    page.console_errors = []
    page.requests = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.on("request", lambda request: page.requests.append(request.url))
    yield page
    context.close()
