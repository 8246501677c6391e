"""The File widget, the German labels and axe-core, against a real stack.

Issue 23, "Done when": the File widget of a new File item uploads 64 MiB and
the saved item is byte-identical; a German browser sees German labels;
axe-core finds no serious or critical issue in the dialog.
"""

from helpers.digests import sha256
from helpers.volto import add_files
from helpers.volto import DIALOG
from helpers.volto import download_sha256
from helpers.volto import items_in
from helpers.volto import log_in
from helpers.volto import MIB
from helpers.volto import open_contents
from helpers.volto import open_dialog
from helpers.volto import wait_for_state
from helpers.volto import write_random

import pytest


pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(1200)]


def test_file_widget_uploads_64_mib_into_a_new_file(
    page, volto, folder, tmp_path, artifacts
):
    data = write_random(tmp_path / "report.bin", 64 * MIB)
    tus = []
    page.on(
        "request",
        lambda request: (
            tus.append((request.method, request.url))
            if "@tus-upload" in request.url
            else None
        ),
    )
    page.goto(f"{volto.url}{folder}/add?type=File")
    widget = page.locator(".tusupload-file-widget")
    widget.locator(".tusupload-widget-input").set_input_files(str(data))
    page.fill("#field-title", "Quarterly report")
    widget.locator(".tusupload-widget-file", has_text="report.bin").wait_for()
    page.screenshot(path=str(artifacts / "volto-file-widget.png"))
    page.locator("#toolbar-save").click()
    page.wait_for_url(lambda url: "/add" not in url, timeout=300_000)
    item = items_in(volto, folder)["Quarterly report"]
    assert item["@type"] == "File"
    assert download_sha256(volto, item) == sha256(data)
    # The bytes went with tus (a creation, then PATCHes or parts), never in
    # the JSON of Volto's content request.
    assert any(method == "POST" for method, _url in tus)


def test_a_german_browser_sees_german_labels(chromium, volto, folder, artifacts):
    context = chromium.new_context(
        viewport={"width": 1280, "height": 1000}, locale="de-DE"
    )
    try:
        page = context.new_page()
        log_in(page, volto)
        open_contents(page, volto, folder)
        open_dialog(page)
        dialog = page.locator(DIALOG)
        assert dialog.get_by_role("heading", name="Dateien hochladen").count() == 1
        assert dialog.get_by_role("button", name="Durchsuchen").count() == 1
        assert "Dateien hierher ziehen oder auswählen" in dialog.inner_text()
        page.screenshot(path=str(artifacts / "volto-upload-dialog-de.png"))
    finally:
        context.close()


def dialog_violations(page, axe_source: str) -> list[dict]:
    """Serious and critical axe-core findings inside the upload dialog."""
    page.wait_for_timeout(500)
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=axe_source)
    results = page.evaluate(
        """async () => {
          const results = await axe.run({ include: [['.tusupload-dialog']] }, {
            resultTypes: ['violations'],
          })
          return results.violations.map((violation) => ({
            id: violation.id, impact: violation.impact, help: violation.help,
            nodes: violation.nodes.map((node) => node.target.join(' ')),
          }))
        }"""
    )
    return [item for item in results if item["impact"] in ("serious", "critical")]


def test_axe_finds_nothing_serious_in_the_dialog(
    page, volto, folder, settings, tmp_path, axe_source
):
    notes = tmp_path / "notes.txt"
    notes.write_text("text")
    data = write_random(tmp_path / "data.bin", MIB)
    open_contents(page, volto, folder)
    open_dialog(page)
    found = {"empty": dialog_violations(page, axe_source)}
    add_files(page, [notes, data])
    found["files added"] = dialog_violations(page, axe_source)
    settings(allowed_mime_types=["application/octet-stream"])
    page.locator(f"{DIALOG} .tusupload-start").click()
    wait_for_state(page, "data.bin", "done")
    wait_for_state(page, "notes.txt", "refused")
    found["uploaded and refused"] = dialog_violations(page, axe_source)
    assert found == {name: [] for name in found}
