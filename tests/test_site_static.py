"""Fast checks of site/ without a browser: the page talks to its own origin only, every URL is relative (so
the site works from https://<user>.github.io/<repo>/), every referenced file exists, the service worker
precaches everything and carries the current version, and the vendored TF.js is what the pinned npm
packages make: the WebAssembly binaries copied as released, the bundles rebuilt byte for byte."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

import site_version

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
TFJS_VERSION = "4.22.0"
# site/vendor/<name> is a byte-for-byte copy of node_modules/<package>/dist/<name>.
VENDORED = {
    "tfjs-backend-wasm.wasm": "@tensorflow/tfjs-backend-wasm",
    "tfjs-backend-wasm-simd.wasm": "@tensorflow/tfjs-backend-wasm",
}
# site/vendor/<name> is built by tools/build_tfjs.mjs from these packages, pinned exactly in package.json.
BUNDLES = ("tfjs.js", "tfjs-cpu.js")
BUILT = BUNDLES + tuple(f"{name}.LEGAL.txt" for name in BUNDLES)  # the licences of what each bundles
BUILT_FROM = ("@tensorflow/tfjs-core", "@tensorflow/tfjs-layers", "@tensorflow/tfjs-backend-wasm", "@tensorflow/tfjs-backend-cpu")
ESBUILD_VERSION = "0.28.2"
# Our own text files (vendor/ is checked by byte identity instead).
OWN_TEXT_FILES = sorted(
    path for pattern in ("*.html", "*.webmanifest", "css/*.css", "js/*.js", "sw.js") for path in SITE.glob(pattern)
)
# Only 'self' and the WASM compile permission; never 'unsafe-inline', 'unsafe-eval', a scheme or a host.
ALLOWED_SOURCES = {"'self'", "'none'", "'wasm-unsafe-eval'"}


class PageParser(HTMLParser):
    """Collects the tags and attributes of index.html."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.script_text.append(data)


@pytest.fixture(scope="module")
def page() -> PageParser:
    parser = PageParser()
    parser.feed((SITE / "index.html").read_text(encoding="utf-8"))
    return parser


def csp_directives(page: PageParser) -> dict[str, list[str]]:
    policies = [attrs["content"] for tag, attrs in page.tags if tag == "meta" and attrs.get("http-equiv", "").lower() == "content-security-policy"]
    assert len(policies) == 1, "index.html needs exactly one Content-Security-Policy meta tag"
    directives = {}
    for directive in policies[0].split(";"):
        if directive.strip():
            name, *sources = directive.split()
            directives[name] = sources
    return directives


def test_csp_allows_only_this_origin(page):
    directives = csp_directives(page)
    assert directives.get("default-src") in (["'none'"], ["'self'"]), "default-src must be 'none' or 'self'"
    assert set(directives["script-src"]) == {"'self'", "'wasm-unsafe-eval'"}
    for name, sources in directives.items():
        assert set(sources) <= ALLOWED_SOURCES, f"{name} allows {set(sources) - ALLOWED_SOURCES}"
    # The CSP meta tag must come before any script or stylesheet, or those load unchecked.
    position = next(i for i, (_, attrs) in enumerate(page.tags) if attrs.get("http-equiv", "").lower() == "content-security-policy")
    assert not [tag for tag, _ in page.tags[:position] if tag in ("script", "link", "style")]


def test_no_inline_script_style_or_handlers(page):
    assert page.script_text == [], "inline <script> is blocked by the CSP; use a file"
    for tag, attrs in page.tags:
        assert tag != "style", "inline <style> is blocked by the CSP; use css/style.css"
        assert "style" not in attrs, f"<{tag} style=...> is blocked by the CSP"
        assert not [name for name in attrs if name.startswith("on")], f"<{tag}> has an inline event handler"
        if tag == "script":
            assert attrs.get("src"), "every script has a src"


# A quoted string or CSS url() that starts with a scheme, '//' or '/': an absolute URL.
ABSOLUTE_URL = re.compile(r"""(?:["'`]|url\(\s*["']?)(?:[a-z][a-z0-9+.-]*:)?//|(?:["'`]|url\(\s*["']?)/[A-Za-z0-9_.-]""")


@pytest.mark.parametrize("path", OWN_TEXT_FILES, ids=lambda path: str(path.relative_to(SITE)))
def test_no_absolute_urls(path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if path.suffix == ".js" and line.lstrip().startswith("//"):
            continue  # a comment may cite a URL; code may not load one
        match = ABSOLUTE_URL.search(line)
        assert match is None, f"{path.relative_to(SITE)}:{number}: absolute URL breaks sub-path hosting: {line.strip()}"


def referenced_files() -> dict[str, set[str]]:
    """Every local file the page, the scripts, the stylesheet and the manifest name, by who names it."""
    references: dict[str, set[str]] = {}
    parser = PageParser()
    parser.feed((SITE / "index.html").read_text(encoding="utf-8"))
    references["index.html"] = {attrs[key] for tag, attrs in parser.tags for key in ("src", "href") if key in attrs}
    for script in (SITE / "js").glob("*.js"):
        imports = re.findall(r"""(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]""", script.read_text(encoding="utf-8"))
        references[f"js/{script.name}"] = {f"js/{Path(name).as_posix().removeprefix('./')}" for name in imports}
    css = (SITE / "css" / "style.css").read_text(encoding="utf-8")
    references["css/style.css"] = {f"css/{url}" for url in re.findall(r"""url\(\s*['"]?([^'")]+)""", css)}
    manifest = json.loads((SITE / "manifest.webmanifest").read_text(encoding="utf-8"))
    references["manifest.webmanifest"] = {icon["src"] for icon in manifest["icons"]}
    return references


def test_every_referenced_file_exists():
    for source, names in referenced_files().items():
        for name in names:
            assert (SITE / name).resolve().is_file(), f"{source} refers to {name}, which does not exist"


def test_manifest_is_installable():
    from PIL import Image

    manifest = json.loads((SITE / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["start_url"] == "./" and manifest["scope"] == "./" and manifest["display"] == "standalone"
    assert manifest["name"] and manifest["short_name"] and manifest["theme_color"] and manifest["background_color"]
    purposes = set()
    for icon in manifest["icons"]:
        purposes.add(icon.get("purpose", "any"))
        if icon["type"] == "image/png":
            width, height = (int(n) for n in icon["sizes"].split("x"))
            with Image.open(SITE / icon["src"]) as image:
                assert image.size == (width, height), f"{icon['src']} is {image.size}, manifest says {icon['sizes']}"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes and "maskable" in purposes


def test_the_page_preloads_the_wasm_binary_the_worker_precaches():
    # main.js and sw.js (a classic worker: it cannot import main.js) each carry TF.js's SIMD probe.
    probe = re.compile(r"Uint8Array\(\[(0, 97, 115, 109[\d, ]*)\]\)\)?;?")
    page = [bytes_ for bytes_ in probe.findall((SITE / "js" / "main.js").read_text()) if "253" in bytes_]
    worker = [bytes_ for bytes_ in probe.findall((SITE / "sw.js").read_text()) if "253" in bytes_]
    assert len(page) == len(worker) == 1 and page == worker


def test_service_worker_precaches_every_file():
    on_disk = {path.relative_to(SITE).as_posix() for path in SITE.rglob("*") if path.is_file()}
    precached = set(site_version.precached_files(SITE))
    assert precached - on_disk == set(), "sw.js precaches files that do not exist"
    assert on_disk - precached - site_version.NOT_PRECACHED == set(), "files in site/ that sw.js would not cache offline"
    assert {"models/index.json", "models/digits/metadata.json", "models/digits/model.json"} <= precached


def test_a_comment_in_the_precache_lists_is_no_file(tmp_path):
    # An apostrophe in a comment inside APP_FILES was read as the start of a path.
    copy = tmp_path / "site"
    shutil.copytree(SITE, copy)
    source = (copy / "sw.js").read_text()
    (copy / "sw.js").write_text(source.replace("const APP_FILES = [\n", "const APP_FILES = [\n  // the page's own files\n", 1))
    assert site_version.precached_files(copy) == site_version.precached_files(SITE)


def test_service_worker_version_is_current():
    assert site_version.check(SITE), "sw.js VERSION is stale: run `python site_version.py`"


def test_site_version_changes_with_any_precached_file(tmp_path):
    # A copy of site/ with a changed weight file (or any file) must get a new version, and stamp() fixes check().
    copy = tmp_path / "site"
    shutil.copytree(SITE, copy)
    before = site_version.compute_version(copy)
    (copy / "css" / "style.css").write_text((copy / "css" / "style.css").read_text() + "\n/* changed */\n")
    assert site_version.compute_version(copy) != before
    assert not site_version.check(copy)
    version = site_version.stamp(copy)
    assert site_version.check(copy) and f"const VERSION = '{version}';" in (copy / "sw.js").read_text()
    assert site_version.main(["--check", "--site", str(copy)]) == 0


@pytest.mark.parametrize("where", ["missing", "a file", "no sw.js"])
def test_a_site_version_site_that_is_not_the_site_is_one_line_with_the_remedy(tmp_path, capsys, where):
    site = {"missing": tmp_path / "nowhere", "a file": tmp_path / "notes.txt", "no sw.js": tmp_path}[where]
    (tmp_path / "notes.txt").write_text("a user's file")
    assert site_version.main(["--site", str(site)]) == 2
    problem = {"missing": "no such directory", "a file": "not a directory", "no sw.js": "no sw.js in it"}[where]
    assert capsys.readouterr().err == f"site_version.py: --site {site}: {problem}; pass the site directory, which holds sw.js (default: site/)\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("name", sorted(VENDORED))
def test_vendored_tfjs_is_the_pinned_release(name):
    package = ROOT / "node_modules" / VENDORED[name]
    version = json.loads((package / "package.json").read_text())["version"]
    assert version == TFJS_VERSION, f"node_modules/{VENDORED[name]} is {version}, expected {TFJS_VERSION}: run npm ci"
    assert json.loads((ROOT / "package.json").read_text())["dependencies"][VENDORED[name]] == TFJS_VERSION
    assert (SITE / "vendor" / name).read_bytes() == (package / "dist" / name).read_bytes(), f"site/vendor/{name} differs: run make vendor"


def test_every_shipped_task_has_its_model_and_the_index_lists_them():
    # One folder per shipped task, each with its own metadata.json (the task's words, labels and
    # preprocessing), and models/index.json naming them in TASKS order. Digits, the default, is always shipped;
    # a task defined in training/tasks.py but not yet shipped has no folder and is not listed.
    from training.tasks import shipped_tasks

    shipped = shipped_tasks()
    assert "digits" in shipped, "site/models/digits/metadata.json is missing: the default task must ship"
    index = json.loads((SITE / "models" / "index.json").read_text())
    assert index == {"tasks": [{"name": task.name, "title": task.title} for task in shipped.values()]}
    assert sorted(path.name for path in (SITE / "models").iterdir()) == sorted(["index.json", *shipped])
    for task in shipped.values():
        metadata = json.loads((task.web_dir / "metadata.json").read_text())
        assert metadata["task"] == task.metadata() and metadata["labels"] == list(task.labels)
        assert metadata["preprocess"] == dataclasses.asdict(task.load_preprocess()), f"models/{task.name}: not the task's preprocessing"
        assert metadata["drawing"] == task.drawing(), f"models/{task.name}: not the task's canvas and pen"
        assert (task.source_dir / "model.h5").is_file(), f"models/{task.name}/model.h5: the web model's Keras source is missing"
    assert sorted(path.name for path in (ROOT / "models").iterdir()) == sorted(shipped), "models/ holds the source of a task not shipped"


def test_the_makefile_converts_each_task_from_the_model_tasks_py_names():
    from training.tasks import TASKS

    makefile = (ROOT / "Makefile").read_text()
    assert dict(re.findall(r"^TASK_MODEL_(\w+) := (\S+)$", makefile, re.MULTILINE)) == {task.name: task.model for task in TASKS.values()}


def test_tfjs_build_inputs_are_pinned_exactly():
    manifest = json.loads((ROOT / "package.json").read_text())
    for name in BUILT_FROM:
        assert manifest["dependencies"][name] == TFJS_VERSION, f"package.json must pin {name} to exactly {TFJS_VERSION}"
    assert manifest["devDependencies"]["esbuild"] == ESBUILD_VERSION, "package.json must pin esbuild exactly"
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    assert lock["node_modules/esbuild"]["version"] == ESBUILD_VERSION
    assert all(lock[f"node_modules/{name}"]["version"] == TFJS_VERSION for name in BUILT_FROM)


def test_vendored_tfjs_bundles_are_what_the_build_makes(tmp_path):
    # Rebuilding from node_modules (installed from package-lock.json by npm ci) and the shipped models
    # reproduces the committed bundles byte for byte; a new model or package needs `make vendor`.
    result = subprocess.run(
        ["node", str(ROOT / "tools" / "build_tfjs.mjs"), "--site", str(SITE), "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(BUILT), "the build wrote other files, or left its scratch"
    for name in BUILT:
        assert (SITE / "vendor" / name).read_bytes() == (tmp_path / name).read_bytes(), f"site/vendor/{name} is stale: run make vendor"


@pytest.mark.parametrize("name", sorted(BUNDLES))
def test_vendored_tfjs_holds_no_model_store_or_url_loader(name):
    # The page hands TF.js its verified files (io.fromMemory): IndexedDB, localStorage, file-input and URL
    # loading are stubs in the build (5 KB gzip of every first visit), each refusing by name.
    bundle = (SITE / "vendor" / name).read_text()
    for scheme in ("indexeddb://", "localstorage://", "downloads://"):
        assert scheme not in bundle, f"site/vendor/{name} still holds the {scheme} model store: run make vendor"
    assert "is not in this build of TensorFlow.js" in bundle


def test_an_interrupted_tfjs_build_leaves_no_scratch_folder_in_its_out(tmp_path):
    # The build makes its scratch folder inside --out (site/vendor/ for `make vendor`), and Node exits on Ctrl-C
    # without running `finally`: the build must remove the folder on the signal itself, or the published site
    # keeps a half-made .tfjs-build-* folder. Ctrl-C comes once that folder exists (while esbuild works).
    build = subprocess.Popen(
        ["node", str(ROOT / "tools" / "build_tfjs.mjs"), "--site", str(SITE), "--out", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 300
        while not list(tmp_path.glob(".tfjs-build-*")):
            assert build.poll() is None, f"the build ended before it made its scratch folder: {build.stderr.read()}"
            assert time.monotonic() < deadline, "no scratch folder after 300 s"
            time.sleep(0.005)
        build.send_signal(signal.SIGINT)
        build.wait(timeout=60)
    finally:
        build.kill()
        build.wait()
    assert list(tmp_path.iterdir()) == [], "the interrupted build left its scratch folder (or wrote a bundle)"
    assert build.returncode == 130, build.stderr.read()  # 128 + SIGINT, as a shell reports Ctrl-C


def static_imports(module: str) -> set[str]:
    """Every module that `module` (a path under site/) imports statically, directly or not."""
    found, pending = set(), [module]
    while pending:
        current = pending.pop()
        source = (SITE / current).read_text(encoding="utf-8")
        for name in re.findall(r"""^import .* from ['"](\.[^'"]+)['"];$""", source, re.MULTILINE):
            path = (SITE / current).parent.joinpath(name).resolve().relative_to(SITE.resolve()).as_posix()
            if path not in found:
                found.add(path)
                pending.append(path)
    return found


def test_page_loads_tfjs_as_a_module_and_preloads_every_module_it_needs(page):
    scripts = [attrs for tag, attrs in page.tags if tag == "script"]
    assert scripts == [{"src": "js/main.js", "type": "module"}], "one module script; main.js imports TF.js itself"
    preloads = {attrs["href"] for tag, attrs in page.tags if tag == "link" and attrs.get("rel") == "modulepreload"}
    # The WebAssembly build that nearly every browser runs, and main.js's whole import graph, so no import waits
    # for the module that names it; a module added to or dropped from the graph must be here too.
    assert preloads == {"vendor/tfjs.js"} | static_imports("js/main.js")


def test_service_worker_precaches_everything_the_page_loads():
    # Offline, the page needs every file index.html, the scripts and the stylesheet name; only the manifest's
    # install-time icons (fetched online when the app is added to a home screen) may be left out.
    precached = set(site_version.precached_files(SITE))
    for source, names in referenced_files().items():
        if source == "manifest.webmanifest":
            continue
        missing = {name for name in names if (SITE / name).resolve().relative_to(SITE.resolve()).as_posix() not in precached}
        assert missing == set(), f"{source} loads {sorted(missing)}, which sw.js does not precache"
    skipped = site_version.NOT_PRECACHED - {"sw.js", ".nojekyll"} - site_version.LICENCE_FILES
    manifest_icons = referenced_files()["manifest.webmanifest"]
    assert skipped <= manifest_icons, f"{sorted(skipped - manifest_icons)} is neither precached nor a manifest icon"


def test_make_serve_on_a_port_in_use_is_one_line_with_the_remedy():
    # Review 7: two students on one machine, the second `make serve` printed http.server's traceback.
    env = {name: value for name, value in os.environ.items() if name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        made = subprocess.run(["make", "serve", f"PORT={port}"], cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
    assert made.returncode != 0 and made.stdout == ""
    assert made.stderr.splitlines()[0] == f"error: port {port} is in use (another make serve?); choose another: make serve PORT=8001"


@pytest.mark.parametrize("changed", [False, True])
def test_make_installs_again_only_when_the_dependency_files_changed(tmp_path, changed):
    # Review 7: after a checkout or pull that gave package.json a new time but not new contents, make ran npm ci
    # (which needs the network, and empties node_modules first) before a lab's first command.
    for name in ("Makefile", "package.json", "package-lock.json"):
        shutil.copy(ROOT / name, tmp_path / name)
    stamp = tmp_path / "node_modules" / ".installed"
    stamp.parent.mkdir()
    stamp.write_text(subprocess.run("cat package.json package-lock.json | sha256sum", shell=True, cwd=tmp_path, capture_output=True, text=True, check=True).stdout)
    os.utime(stamp, (1, 1))  # older than the files, as after a checkout
    if changed:
        (tmp_path / "package.json").write_text((ROOT / "package.json").read_text() + "\n")
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "npm").write_text("#!/bin/sh\necho \"$@\" > npm-ran\n")
    (tools / "npm").chmod(0o755)
    env = {name: value for name, value in os.environ.items() if name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    made = subprocess.run(["make", "node_modules/.installed"], cwd=tmp_path, capture_output=True, text=True, env={**env, "PATH": f"{tools}:{env['PATH']}"}, timeout=60)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "npm-ran").is_file() == changed
    assert stamp.stat().st_mtime > 1  # up to date now: make does not look again
    again = subprocess.run(["make", "-q", "node_modules/.installed"], cwd=tmp_path, env=env, timeout=60)
    assert again.returncode == 0
