"""One upload of the Volto benchmark with its memory: either dialog, Classic, sink."""

from __future__ import annotations

from browser_chromium import chromium_pids
from browser_sink import upload_to_sink
from browser_uploads import upload_with_browser
from pathlib import Path
from processes import settle
from volto_stack import ADDON
from volto_stack import ADDON_ROUTED
from volto_stack import CLASSIC
from volto_stack import EDITOR
from volto_stack import MIB
from volto_stack import SINK
from volto_stack import Stack
from volto_stack import VOLTO_OWN

import contextlib
import threading
import time


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
        settled = settle(chromium_pids)
        sampler = MemorySampler(page)
        started = time.perf_counter()
        if dialog in (ADDON, ADDON_ROUTED):
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

    settle(lambda: [chromium.pid])
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
    result = upload_with_browser(ClassicSite(stack), browser, path, tus_options=None)
    return {
        "client": CLASSIC,
        "size_mib": path.stat().st_size // MIB,
        "outcome": "ok",
        "seconds": result["seconds"],
        "mb_s": result["mb_s"],
        "settings": result["settings"],
    }


def sink_upload(sink, browser, path: Path, settings: dict) -> dict:
    result = upload_to_sink(chromium_pids, sink, browser, path, settings)
    return {
        "client": SINK,
        "size_mib": path.stat().st_size // MIB,
        "outcome": "ok",
        "seconds": result["seconds"],
        "mb_s": result["mb_s"],
        "settings": settings,
    }


# -- the report ------------------------------------------------------------------
