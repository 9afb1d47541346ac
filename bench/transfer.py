"""python -m bench.transfer  — what a first visit to the page downloads.

Loads the real site/index.html in headless Chromium from a fresh profile (empty HTTP cache, no service
worker), waits until the model is ready and the service worker has installed, and records every response:
the page's own requests and the service worker's precache requests, separately. Bytes are counted raw (as
`make serve` sends them) and gzipped at level 9 in Python, which is what a gzip-serving host such as GitHub
Pages sends for text; already-compressed files (PNG, WASM) shrink little either way.

When site/models/digits/ holds no model yet, the bench's own conversion of the default model (uint8) is served in
its place, and the result says so.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bench.report import gzip_size

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
READY_TIMEOUT_MS = 90_000
SERVICE_WORKER_TIMEOUT_MS = 30_000
WORKER_JS = """
async (timeout) => {
  if (!('serviceWorker' in navigator)) return 'not supported';
  const late = new Promise((resolve) => setTimeout(() => resolve(`not active after ${timeout} ms (install failed?)`), timeout));
  return Promise.race([navigator.serviceWorker.ready.then(() => 'active'), late]);
}
"""


def site_with_model(scratch: Path, model_dir: Path) -> Path:
    """A copy of site/ made of symlinks, with models/digits/ pointing at `model_dir`."""
    for entry in SITE.iterdir():
        if entry.name != "models":
            (scratch / entry.name).symlink_to(entry.resolve())
    (scratch / "models").mkdir()
    (scratch / "models" / "index.json").write_text(json.dumps({"tasks": [{"name": "digits", "title": "Digits"}]}))
    (scratch / "models" / "digits").symlink_to(Path(model_dir).resolve())
    return scratch


def served_file(directory: Path, url_path: str) -> Path:
    """The file the static server sent for `url_path` (a directory means its index.html)."""
    path = Path(directory) / unquote(url_path).lstrip("/")
    return path / "index.html" if path.is_dir() else path


def describe_response(response, directory: Path) -> dict:
    """Who asked, the status, and the body's raw and gzip -9 sizes.

    Chromium does not hand Playwright the bodies of the service worker's responses, so the body is the
    file the static server sent (it sends files verbatim); Content-Length cross-checks it.
    """
    path = urlsplit(response.url).path
    file = served_file(directory, path)
    body = file.read_bytes() if response.status == 200 and file.is_file() else b""
    length = response.headers.get("content-length")
    return {
        "path": path,
        "status": response.status,
        "by": "service worker" if response.request.service_worker else "page",
        "bytes": len(body),
        "gzip_bytes": gzip_size(body) if body else 0,
        "content_length_matches": length is None or int(length) == len(body),
    }


def record_first_visit(directory: Path) -> dict:
    """Load index.html from `directory` in a fresh Chromium profile; every response with its body size."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch_chromium, serve

    with serve(directory) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(service_workers="allow")
            responses = []
            context.on("response", lambda response: responses.append(response))
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            started = time.perf_counter()
            page.goto(base_url)
            page.wait_for_selector("body[data-ready]", timeout=READY_TIMEOUT_MS)
            ready_ms = 1000 * (time.perf_counter() - started)
            ready = page.get_attribute("body", "data-ready") == "true"
            if not ready:
                errors.append(page.text_content("#error") or "the page reported an error")
            # The service worker's install precaches the whole site: part of what a first visit costs. Its
            # install fails when a precached file is missing, and then `ready` never settles: hence the timeout.
            worker = page.evaluate(WORKER_JS, SERVICE_WORKER_TIMEOUT_MS)
            if worker != "active":
                errors.append(f"service worker: {worker}")
            page.wait_for_load_state("networkidle")
            files = [describe_response(response, directory) for response in responses if not response.from_service_worker]
            context.close()
        finally:
            browser.close()
    return {"ready": ready, "ready_ms": ready_ms, "service_worker": worker, "errors": errors, "files": files}


def totals(files: list[dict]) -> dict:
    """Count, raw and gzip bytes of the page's own responses, the service worker's, and both."""
    out = {}
    for who, selected in (("page", [f for f in files if f["by"] == "page"]), ("service_worker", [f for f in files if f["by"] != "page"]), ("all", files)):
        out[who] = {"responses": len(selected), "bytes": sum(f["bytes"] for f in selected), "gzip_bytes": sum(f["gzip_bytes"] for f in selected)}
    return out


def measure_transfer(fallback_model_dir: Path | None = None) -> dict:
    """First-visit transfer of the real page; see the module docstring."""
    if (SITE / "models" / "digits" / "metadata.json").is_file() or fallback_model_dir is None:
        recorded = record_first_visit(SITE)
        recorded["model_served"] = "site/models/ (the shipped models)"
    else:
        with tempfile.TemporaryDirectory(prefix="inkwell-transfer-") as scratch:
            recorded = record_first_visit(site_with_model(Path(scratch), fallback_model_dir))
        relative = Path(fallback_model_dir).resolve()
        recorded["model_served"] = f"{relative.relative_to(ROOT) if relative.is_relative_to(ROOT) else relative} (site/models/digits/ is empty)"
    recorded["totals"] = totals(recorded["files"])
    return recorded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Record what a first visit to site/index.html downloads.")
    parser.add_argument("--model-dir", type=Path, default=None, help="model to serve when site/models/digits/ is empty")
    args = parser.parse_args(argv)
    result = measure_transfer(args.model_dir)
    for entry in result["files"]:
        print(f"{entry['by']:>14}  {entry['status']}  {entry['bytes']:>10,}  {entry['gzip_bytes']:>10,}  {entry['path']}")
    print(json.dumps({key: result[key] for key in ("ready", "ready_ms", "errors", "model_served", "totals")}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
