"""The folder Contents view's Upload button: issue 14, point 8.

With the add-on, Plone's Upload button in the Contents view leads to the
resumable upload page of the folder shown; without it, it is Plone's own.
"""

from helpers.browser import DASHBOARD
from plone import api

import pytest
import transaction


pytestmark = pytest.mark.browser


@pytest.fixture
def subfolder(site):
    with api.env.adopt_roles(["Manager"]):
        api.content.create(
            container=site["inbox"], type="Folder", id="reports", title="Reports"
        )
    transaction.commit()


def open_contents(page, url: str) -> None:
    page.goto(f"{url}/folder_contents")
    page.locator("#btn-upload").wait_for()


def test_upload_button_opens_the_resumable_upload_page(page, folder_url):
    open_contents(page, folder_url)
    assert "contents-upload.min.js" in page.content()
    page.locator("#btn-upload").click()
    page.wait_for_url(f"{folder_url}/@@upload-files")
    page.wait_for_selector(DASHBOARD)


def test_upload_button_follows_the_folder_shown(page, folder_url, subfolder):
    open_contents(page, folder_url)
    # The Contents view opens a subfolder without loading a page.
    page.locator(".pat-structure").get_by_role("link", name="Reports").first.click()
    page.wait_for_url(f"{folder_url}/reports/folder_contents")
    button = page.locator("#btn-upload")
    button.hover()
    assert button.get_attribute("href") == f"{folder_url}/reports/@@upload-files"
    button.click()
    page.wait_for_url(f"{folder_url}/reports/@@upload-files")


def test_without_the_addon_the_button_is_plones(page, folder_url, site):
    installer = api.content.get_view(
        name="installer", context=site, request=site.REQUEST
    )
    transaction.begin()
    installer.uninstall_product("collective.tusupload")
    transaction.commit()
    open_contents(page, folder_url)
    assert "contents-upload.min.js" not in page.content()
    page.locator("#btn-upload").click()
    # Plone's own upload popover, on the same page.
    page.locator(".popover.upload.active .pat-upload .browse").wait_for()
    assert page.url == f"{folder_url}/folder_contents"
