"""Registry values become plain settings in bytes, seconds and a path."""

from collective.tusupload.settings import get_settings
from collective.tusupload.settings import MIB
from collective.tusupload.settings import resolve_upload_directory
from collective.tusupload.settings import UploadSettings
from plone import api

import pytest


def make_settings(allowed):
    return UploadSettings(None, 60, "/tmp", tuple(allowed), MIB, 0)


class TestGetSettings:
    def test_defaults_in_bytes(self, portal):
        settings = get_settings()
        assert settings.max_size == 10240 * MIB
        assert settings.chunk_size == 8 * MIB
        assert settings.expiry == 86400
        assert settings.cleanup_interval == 3600

    def test_zero_max_size_means_no_limit(self, portal):
        api.portal.set_registry_record("collective.tusupload.max_upload_size", 0)
        assert get_settings().max_size is None

    def test_per_user_limits_of_unfinished_uploads(self, portal):
        settings = get_settings()
        assert settings.max_pending_size == 20480 * MIB
        assert settings.max_pending_uploads == 50

    def test_zero_per_user_limits_mean_no_limit(self, portal):
        api.portal.set_registry_record("collective.tusupload.max_pending_size", 0)
        api.portal.set_registry_record("collective.tusupload.max_pending_uploads", 0)
        settings = get_settings()
        assert (settings.max_pending_size, settings.max_pending_uploads) == (None, None)

    def test_configured_directory_wins(self, portal, tmp_path):
        api.portal.set_registry_record("collective.tusupload.tmp_dir", str(tmp_path))
        assert get_settings().directory == str(tmp_path)


class TestUploadDirectory:
    def test_environment_variable_when_not_configured(self, monkeypatch, tmp_path):
        monkeypatch.setenv("TUSUPLOAD_TMP_DIR", str(tmp_path))
        assert resolve_upload_directory("") == str(tmp_path)

    def test_var_directory_fallback(self, monkeypatch):
        monkeypatch.delenv("TUSUPLOAD_TMP_DIR", raising=False)
        assert resolve_upload_directory(None).endswith("tusupload")


class TestMimeTypes:
    @pytest.mark.parametrize(
        "allowed,mime_type,expected",
        [
            ([], "application/x-anything", True),
            (["image/*"], "image/png", True),
            (["image/*"], "IMAGE/PNG; charset=binary", True),
            (["image/*"], "application/pdf", False),
            (["application/pdf"], "application/pdf", True),
            (["application/pdf"], None, False),
        ],
    )
    def test_allows_mime_type(self, allowed, mime_type, expected):
        assert make_settings(allowed).allows_mime_type(mime_type) is expected


class TestFsync:
    @pytest.mark.parametrize(
        "value,expected", [("", False), ("0", False), ("1", True), ("yes", True)]
    )
    def test_fsync_from_environment(self, portal, monkeypatch, value, expected):
        monkeypatch.setenv("TUSUPLOAD_FSYNC", value)
        assert get_settings().fsync is expected

    def test_store_follows_setting(self, portal, monkeypatch, tmp_path):
        from collective.tusupload.backend import open_backend

        monkeypatch.setenv("TUSUPLOAD_FSYNC", "1")
        monkeypatch.setenv("TUSUPLOAD_TMP_DIR", str(tmp_path))
        store = open_backend().store
        assert store.fsync is True
        assert store.directory == str(tmp_path)
