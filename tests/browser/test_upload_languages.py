"""The page speaks the site's language: issue 14, point 13.

The page's own words come from the add-on's catalogs (locales/), Uppy's
labels from Uppy's locale pack for the same language.
"""

from helpers.browser import drop
from helpers.browser import open_upload_page
from pathlib import Path
from plone import api
from pythongettext.msgfmt import Msgfmt

import pytest
import transaction


pytestmark = pytest.mark.browser

LOCALES = Path(__file__).parents[2] / "src" / "collective" / "tusupload" / "locales"

# language: (our heading, Uppy's upload button for one file, our Remove label)
EXPECTED = {
    "de": ("Dateien hochladen", "Eine Datei hochladen", "a.txt entfernen"),
    "nl": ("Bestanden uploaden", "Upload 1 bestand", "a.txt verwijderen"),
    "fr": ("Téléverser des fichiers", "Téléverser 1 fichier", "Retirer a.txt"),
    "es": ("Subir archivos", "Subir 1 archivo", "Quitar a.txt"),
    "it": ("Carica file", "Upload di 1 file", "Rimuovi a.txt"),
}


@pytest.fixture
def site_language(site):
    def set_language(code: str) -> None:
        transaction.begin()
        api.portal.set_registry_record("plone.available_languages", ["en", code])
        api.portal.set_registry_record("plone.default_language", code)
        transaction.commit()

    yield set_language
    set_language("en")


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_page_and_uppy_speak_the_site_language(
    page, folder_url, site_language, language, artifacts
):
    heading, upload_button, remove = EXPECTED[language]
    site_language(language)
    open_upload_page(page, folder_url)
    assert page.locator("h1.documentFirstHeading").inner_text() == heading
    assert page.locator(".tusupload-page").get_attribute("data-language") == language
    drop(page, [("a.txt", "text/plain", b"a")])
    button = page.locator(".uppy-StatusBar-actionBtn--upload")
    assert button.inner_text().strip() == upload_button
    assert page.get_by_role("button", name=remove).is_visible()
    if language == "de":
        page.locator(".tusupload-page").screenshot(
            path=str(artifacts / "upload-page-de.png")
        )


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_catalog_is_complete_and_compiled(language):
    """Every msgid of the template is translated, and the .mo matches the .po."""
    folder = LOCALES / language / "LC_MESSAGES"
    template = (LOCALES / "collective.tusupload.pot").read_text()
    catalog = (folder / "collective.tusupload.po").read_text()
    msgids = [line for line in template.splitlines() if line.startswith("msgid ")]
    assert msgids == [
        line for line in catalog.splitlines() if line.startswith("msgid ")
    ]
    assert 'msgstr ""\n\n' not in catalog.split("\n\n", 1)[1] + "\n"
    compiled = Msgfmt(str(folder / "collective.tusupload.po"), name="x").get()
    assert (folder / "collective.tusupload.mo").read_bytes() == compiled
