"""python -m bench.transfer [--old-commit REV]  — what a first and a second visit download, counted at the server.

The site is served by a counting static server (the standard library's handler, as `make serve`: files as
they are, Last-Modified, 304 for an unchanged If-Modified-Since) and opened in headless Chromium from a fresh
profile: the first visit lasts until the page is ready, its service worker active and the network idle.
Then the page is opened again in the same profile: the second visit. The server logs every response it
sends: path, status, header bytes and body bytes, and the body as a gzip-serving host such as GitHub Pages
would send it (gzip -9 for text, JavaScript, JSON, SVG and WebAssembly; images and application/octet-stream,
such as the model's .bin, as they are). A service worker's revalidation that the server answers 304 costs
its headers only, and is counted so.

The page as it was before it imported its own TF.js build (tf.min.js, both wasm binaries precached) is
measured the same way, from git (--old-commit), and the report sets old and new side by side:
bench/transfer.md and bench/transfer.json. Sizes in KB are 1,000 bytes.

The letters model (issue 14) counts in the first visit too, the service worker precaching it after the digits
page is ready. It is counted, best first: measured, from the responses under /models/letters/ when site/ ships
it; from disk, site/models/letters/ gzip-equivalent, when it is there but models/index.json does not list it;
estimated from a finished training run (runs/letters/latest/metrics.json, else the newest run folder of
runs/letters/ that has one: one byte per parameter, uint8 weights, plus the digits model's JSON files); else
a stand-in of SECOND_MODEL_BYTES, labelled so.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import itertools
import json
import subprocess
import tarfile
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

from tests.browser import QuietHandler
from training.files import write_atomic

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
OUT_DIR = ROOT / "bench"
# The last commit whose page loaded tf.min.js and tf-backend-wasm.min.js as global scripts.
OLD_COMMIT = "1b51178a97aee7e3d85c9d185e9555c808a7f5de"
READY_TIMEOUT_MS = 90_000
SETTLE_S = 5.0  # after the network is idle, for a late service worker update check
BUDGET_BYTES = 450_000
SECOND_VISIT_BUDGET_BYTES = 10_000
SECOND_MODEL_BYTES = 90_000  # the letters model of issue 14, about 90 KB of uint8 weights (sent as they are)
LETTERS = "letters"  # its task (site/models/letters/) and model (runs/letters/latest/)
RUNS_DIR = ROOT / "runs"
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/manifest+json", "application/wasm", "image/svg+xml")
WORKER_JS = """
async (timeout) => {
  if (!('serviceWorker' in navigator)) return 'not supported';
  const late = new Promise((resolve) => setTimeout(() => resolve(`not active after ${timeout} ms (install failed?)`), timeout));
  return Promise.race([navigator.serviceWorker.ready.then(() => 'active'), late]);
}
"""


def gzip_equivalent(body: bytes, content_type: str) -> int:
    """Bytes a gzip-serving host sends for `body`: gzip -9 for compressible types, else the body itself."""
    if body and content_type.startswith(COMPRESSIBLE):
        return min(len(body), len(gzip.compress(body, compresslevel=9, mtime=0)))
    return len(body)


class _CountingWriter:
    """The response stream of one connection, keeping what was written since the request began."""

    def __init__(self, stream):
        self.stream = stream
        self.written = bytearray()

    def write(self, data) -> int:
        self.written += data
        return self.stream.write(data)

    def __getattr__(self, name):
        return getattr(self.stream, name)  # closed, close, ...: the stream's own


class CountingHandler(QuietHandler):
    """The static handler, logging each response to `self.server.responses`."""

    def setup(self):
        super().setup()
        self.wfile = _CountingWriter(self.wfile)

    def handle_one_request(self):
        self.wfile.written.clear()
        self._status, self._header_bytes, self._content_type = None, 0, ""
        super().handle_one_request()
        if self._status is None:
            return  # the connection closed without a request
        body = bytes(self.wfile.written[self._header_bytes :])
        self.server.record({
            "sequence": self._sequence,
            "path": self.path,
            "status": int(self._status),
            "dest": self.headers.get("Sec-Fetch-Dest", ""),
            "conditional": "If-Modified-Since" in self.headers,
            "header_bytes": self._header_bytes,
            "bytes": len(body),
            "gzip_bytes": gzip_equivalent(body, self._content_type),
            "content_type": self._content_type,
        })

    def parse_request(self):
        self._sequence = self.server.next_sequence()  # the order requests arrived, whatever order they finish in
        return super().parse_request()

    def send_response(self, code, message=None):
        self._status = code
        super().send_response(code, message)

    def send_header(self, keyword, value):
        if keyword.lower() == "content-type":
            self._content_type = value
        super().send_header(keyword, value)

    def flush_headers(self):
        self._header_bytes += sum(len(chunk) for chunk in getattr(self, "_headers_buffer", []))
        super().flush_headers()


class CountingServer(ThreadingHTTPServer):
    def __init__(self, address, handler):
        super().__init__(address, handler)
        self.responses: list[dict] = []
        self._lock = threading.Lock()
        self._sequence = itertools.count()

    def next_sequence(self) -> int:
        with self._lock:
            return next(self._sequence)

    def record(self, response: dict) -> None:
        with self._lock:
            self.responses.append(response)

    def take(self) -> list[dict]:
        """The responses logged since the last take, in the order their requests arrived."""
        with self._lock:
            taken, self.responses = self.responses, []
        return sorted(taken, key=lambda response: response["sequence"])


@contextlib.contextmanager
def counting_server(directory: Path):
    server = CountingServer(("127.0.0.1", 0), functools.partial(CountingHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def old_site(scratch: Path, commit: str = OLD_COMMIT) -> Path | None:
    """site/ as it was at `commit`, extracted into `scratch`; None when this clone lacks that commit."""
    try:
        archive = subprocess.run(["git", "archive", "--format=tar", commit, "site"], cwd=ROOT, capture_output=True, check=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(scratch, filter="data")
    return scratch / "site"


def visit(context, server: CountingServer, url: str) -> dict:
    """Open `url` in `context` until the page is ready, its worker active and the network idle."""
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("body[data-ready='true'], body[data-ready='false']", timeout=READY_TIMEOUT_MS)
    ready_ms = 1000 * (time.perf_counter() - started)
    ready = page.get_attribute("body", "data-ready") == "true"
    if not ready:
        errors.append(page.text_content("#error") or "the page reported an error")
    worker = page.evaluate(WORKER_JS, READY_TIMEOUT_MS)
    if worker != "active":
        errors.append(f"service worker: {worker}")
    page.wait_for_load_state("networkidle")
    time.sleep(SETTLE_S)
    backend = page.get_attribute("#backend", "data-backend")
    page.close()
    return {"ready": ready, "ready_ms": ready_ms, "backend": backend, "errors": errors, "responses": server.take()}


def totals(responses: list[dict]) -> dict:
    return {
        "responses": len(responses),
        "bytes": sum(response["bytes"] for response in responses),
        "gzip_bytes": sum(response["gzip_bytes"] for response in responses),
        "header_bytes": sum(response["header_bytes"] for response in responses),
    }


def measure_site(directory: Path) -> dict:
    """First and second visit of the page in `directory`, from one fresh Chromium profile."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch_chromium

    with counting_server(directory) as (server, url), sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(service_workers="allow")
            visits = {"first": visit(context, server, url), "second": visit(context, server, url)}
            context.close()
            chromium = browser.version
        finally:
            browser.close()
    for measured in visits.values():
        measured["totals"] = totals(measured["responses"])
    return {"chromium": chromium, **visits}


def file_gzip_equivalent(path: Path) -> int:
    """A model file as the server would send it: JSON gzipped, the weights (.bin) as they are."""
    return gzip_equivalent(path.read_bytes(), "application/json" if path.suffix == ".json" else "application/octet-stream")


def letters_model(first_responses: list[dict], site_dir: Path = SITE, runs_dir: Path = RUNS_DIR) -> dict:
    """What the letters model adds to a first visit: {"source", "gzip_bytes", "detail"}; see the module's docstring."""
    prefix = f"/models/{LETTERS}/"
    fetched = [response for response in first_responses if response["path"].split("?")[0].startswith(prefix)]
    if fetched:
        return {"source": "measured", "gzip_bytes": sum(response["gzip_bytes"] for response in fetched),
                "detail": f"measured: {len(fetched)} responses under {prefix}"}
    folder = site_dir / "models" / LETTERS
    if folder.is_dir() and any(folder.iterdir()):
        files = sorted(path for path in folder.iterdir() if path.is_file())
        return {"source": "disk", "gzip_bytes": sum(file_gzip_equivalent(path) for path in files),
                "detail": f"from disk: site/models/{LETTERS}/ ({len(files)} files; models/index.json does not list it, so no visit fetched it)"}
    metrics = finished_run_metrics(runs_dir / LETTERS)
    if metrics is not None:
        try:
            parameters = int(json.loads(metrics.read_text(encoding="utf-8"))["parameters"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{metrics}: cannot read its parameter count ({error})") from error
        digits = site_dir / "models" / "digits"
        json_bytes = sum(file_gzip_equivalent(digits / name) for name in ("model.json", "metadata.json") if (digits / name).is_file())
        return {"source": "run", "gzip_bytes": parameters + json_bytes,
                "detail": f"estimated from the training run {metrics.parent.resolve().name}: {parameters:,} parameters as uint8 weights "
                          f"+ {json_bytes:,} B of JSON (the digits model's)"}
    return stand_in()


def finished_run_metrics(model_runs: Path) -> Path | None:
    """metrics.json of latest/, else of the newest run folder that has one (a run trained with --out is not linked)."""
    if (model_runs / "latest" / "metrics.json").is_file():
        return model_runs / "latest" / "metrics.json"
    finished = [path for path in model_runs.glob("*/metrics.json") if not path.parent.name.startswith(".")]
    return max(finished, key=lambda path: (path.stat().st_mtime, path.parent.name), default=None)


def stand_in() -> dict:
    return {"source": "stand-in", "gzip_bytes": SECOND_MODEL_BYTES,
            "detail": f"a stand-in of {kilobytes(SECOND_MODEL_BYTES)} KB: no letters model in site/ and no finished run in runs/{LETTERS}/"}


def measure_transfer(old_commit: str = OLD_COMMIT) -> dict:
    """The current site/ and, when git has it, the site at `old_commit`; what the letters model adds."""
    result = {"new": measure_site(SITE), "old_commit": old_commit}
    result["letters"] = letters_model(result["new"]["first"]["responses"])
    with tempfile.TemporaryDirectory(prefix="inkwell-old-site-") as scratch:
        directory = old_site(Path(scratch), old_commit)
        result["old"] = measure_site(directory) if directory else None
    return result


def kilobytes(count: int) -> str:
    return f"{count / 1000:,.1f}"


def response_rows(responses: list[dict]) -> list[str]:
    rows = ["| # | path | status | requested as | raw bytes | gzip-equivalent | header bytes |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for index, response in enumerate(responses, start=1):
        dest = response["dest"] + (", conditional" if response["conditional"] else "")
        rows.append(f"| {index} | `{response['path']}` | {response['status']} | {dest} | {response['bytes']:,} | {response['gzip_bytes']:,} | {response['header_bytes']:,} |")
    return rows


def markdown(result: dict) -> str:
    new, old = result["new"], result["old"]
    lines = [
        "# Transfer: what a visit downloads (counted at the server)",
        "",
        "Written by `python -m bench.transfer` (make bench). Headless Chromium "
        f"{new['chromium']}, fresh profile; the first visit lasts until the page is ready, its service worker active and the network "
        "idle, the second visit opens the page again in the same profile. Bytes are what the server sent per response; "
        "gzip-equivalent is the body as a gzip-serving host (GitHub Pages) sends it: gzip -9 for text, JavaScript, JSON, SVG and "
        "WebAssembly, images and the model's .bin (application/octet-stream) as they are. Header bytes are this test server's, "
        f"not counted in the budgets. KB = 1,000 bytes. Before: the site at commit `{result['old_commit'][:10]}` (tf.min.js).",
        "",
        "| visit | page | responses | raw KB | gzip-equivalent KB | header KB | backend | ready |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in ("first", "second"):
        for label, site in (("before (tf.min.js)", old), ("now", new)):
            if site is None:
                lines.append(f"| {name} | {label} | not measured (commit not in this clone) | | | | | |")
                continue
            measured = site[name]
            total = measured["totals"]
            ready = f"{measured['ready_ms']:.0f} ms" if measured["ready"] else "failed: " + "; ".join(measured["errors"])
            lines.append(
                f"| {name} | {label} | {total['responses']} | {kilobytes(total['bytes'])} | **{kilobytes(total['gzip_bytes'])}** | "
                f"{kilobytes(total['header_bytes'])} | {measured['backend']} | {ready} |"
            )
    letters = result.get("letters") or stand_in()
    first = new["first"]["totals"]["gzip_bytes"]
    second = new["second"]["totals"]["gzip_bytes"]
    digits_only = first - letters["gzip_bytes"] if letters["source"] == "measured" else first
    with_letters = digits_only + letters["gzip_bytes"]
    lines += [
        "",
        "## Budgets (gzip-equivalent bodies)",
        "",
        f"- First visit, digits model only: **{kilobytes(digits_only)} KB** of {kilobytes(BUDGET_BYTES)} KB "
        f"({'within' if digits_only <= BUDGET_BYTES else 'over'}).",
        f"- First visit with the letters model ({kilobytes(letters['gzip_bytes'])} KB, {letters['detail']}): "
        f"**{kilobytes(with_letters)} KB** of {kilobytes(BUDGET_BYTES)} KB ({'within' if with_letters <= BUDGET_BYTES else 'over'}).",
        f"- Second visit: **{kilobytes(second)} KB** of {kilobytes(SECOND_VISIT_BUDGET_BYTES)} KB "
        f"({'within' if second <= SECOND_VISIT_BUDGET_BYTES else 'over'}).",
        "",
    ]
    for name in ("first", "second"):
        for label, site in (("now", new), ("before (tf.min.js)", old)):
            if site is not None:
                lines += [f"## {name.capitalize()} visit, {label}: every response", "", *response_rows(site[name]["responses"]), ""]
    return "\n".join(lines)


def write_report(result: dict, out_dir: Path = OUT_DIR) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(out_dir / "transfer.json", (json.dumps(result, indent=2) + "\n").encode())
    write_atomic(out_dir / "transfer.md", markdown(result).encode())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old-commit", default=OLD_COMMIT, help="the commit whose site/ is 'before' (default: %(default).10s)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where transfer.{md,json} go (default bench/)")
    args = parser.parse_args(argv)
    result = measure_transfer(args.old_commit)
    write_report(result, args.out)
    for label in ("old", "new"):
        if result[label]:
            print(label, {name: result[label][name]["totals"] for name in ("first", "second")})
    print(f"wrote {args.out / 'transfer.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
