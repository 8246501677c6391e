"""The in-process cleanup scheduler: when it starts, how often it sweeps."""

from collective.tusupload import jobs
from collective.tusupload.core import FileStore
from collective.tusupload.core import Handler
from collective.tusupload.core.info import new_upload_id
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.sweep import last_sweep
from plone import api
from zope.event import notify
from zope.processlifetime import ProcessStarting
from zope.publisher.browser import TestRequest as BrowserRequest
from ZPublisher.pubevents import PubStart

import logging
import pytest
import requests
import time
import transaction
import Zope2


def unfinished_upload(store, expires):
    """Store an upload that nobody finished and that expires at ``expires``."""
    return store.create(UploadInfo(id=new_upload_id(), length=10, expires=expires)).id


def wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def scheduler_of():
    started = []

    def factory(find_targets, **options):
        scheduler = jobs.CleanupScheduler(find_targets, **options)
        started.append(scheduler)
        scheduler.start()
        return scheduler

    yield factory
    for scheduler in started:
        scheduler.stop()


class TestScheduler:
    def test_sweeps_on_its_interval(self, tmp_path, scheduler_of, caplog):
        store = FileStore(tmp_path, fsync=False)
        first = unfinished_upload(store, expires=time.time() - 1)
        caplog.set_level(logging.INFO, logger="collective.tusupload")
        scheduler = scheduler_of(lambda: [jobs.Target(str(tmp_path), 0.2)])
        assert wait_for(lambda: store.list_ids() == [])
        swept_at = last_sweep(tmp_path)
        second = unfinished_upload(store, expires=time.time() + 0.1)
        assert wait_for(lambda: store.list_ids() == [])
        assert last_sweep(tmp_path) > swept_at
        assert wait_for(lambda: scheduler.rounds >= 2)
        logged = [r.getMessage() for r in caplog.records if "cleanup of" in r.message]
        assert len(logged) == 2
        assert "removed 1 expired upload(s)" in logged[0]
        assert jobs.last_record(str(tmp_path)).summary.removed_ids == [second]
        assert first != second

    def test_judges_expiry_by_its_clock(self, tmp_path, scheduler_of):
        store = FileStore(tmp_path, fsync=False)
        unfinished_upload(store, expires=time.time() + 3600)
        scheduler_of(
            lambda: [jobs.Target(str(tmp_path), 0.1)], clock=lambda: time.time() + 7200
        )
        assert wait_for(lambda: store.list_ids() == [])

    def test_interval_zero_disables_the_sweep(self, tmp_path, scheduler_of):
        store = FileStore(tmp_path, fsync=False)
        upload_id = unfinished_upload(store, expires=time.time() - 1)
        scheduler = scheduler_of(lambda: [jobs.Target(str(tmp_path), 0)], max_wait=0.05)
        assert wait_for(lambda: scheduler.rounds >= 3)
        assert store.list_ids() == [upload_id]

    def test_survives_errors_and_logs_them(self, tmp_path, scheduler_of, caplog):
        store = FileStore(tmp_path, fsync=False)
        unfinished_upload(store, expires=time.time() - 1)
        calls = []

        def flaky_targets():
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("registry unavailable")
            return [jobs.Target(str(tmp_path), 0.1)]

        scheduler_of(flaky_targets, max_wait=0.1)
        assert wait_for(lambda: store.list_ids() == [])
        assert "tusupload cleanup failed" in caplog.text

    def test_a_missing_directory_is_no_error(self, tmp_path, scheduler_of, caplog):
        scheduler = scheduler_of(lambda: [jobs.Target(str(tmp_path / "none"), 0.1)])
        assert wait_for(lambda: scheduler.rounds >= 2)
        assert "failed" not in caplog.text

    def test_waits_until_the_next_sweep_is_due(self, tmp_path):
        scheduler = jobs.CleanupScheduler(
            lambda: [
                jobs.Target(str(tmp_path), 30),
                jobs.Target(str(tmp_path / "none"), 20),
            ]
        )
        assert scheduler.run_once() == 20  # the missing directory's interval
        # The sweep time is recorded to 1/100 s (it may round up past now);
        # 5 s of slack below: a loaded 2-core CI machine may pause this test.
        assert 25 < last_sweep(tmp_path) + 30 - time.time() <= 30.01
        only_existing = jobs.CleanupScheduler(lambda: [jobs.Target(str(tmp_path), 30)])
        assert 25 < only_existing.run_once() <= 30.01  # swept just now: not due

    def test_stop_ends_the_thread(self, tmp_path, scheduler_of):
        scheduler = scheduler_of(lambda: [jobs.Target(str(tmp_path), 3600)])
        assert scheduler.is_running
        started = time.monotonic()
        scheduler.stop()
        assert not scheduler.is_running
        assert time.monotonic() - started < 1

    def test_one_target_per_directory_with_the_shortest_interval(self):
        merged = jobs._merge(
            [jobs.Target("/a", 60), jobs.Target("/a", 30), jobs.Target("/b", 0)]
        )
        assert merged == [jobs.Target("/a", 30)]


class TestStartsOnlyWhenServing:
    """A server loading zope.ini, or a published request; no script, no test."""

    @pytest.fixture
    def site_settings(self, functional, functional_portal, tmp_path, monkeypatch):
        api.portal.set_registry_record("collective.tusupload.tmp_dir", str(tmp_path))
        api.portal.set_registry_record("collective.tusupload.cleanup_interval", 1)
        transaction.commit()
        # What Zope2.DB is outside plone.testing: the real database.
        monkeypatch.setattr(Zope2, "DB", functional["zodbDB"])
        yield FileStore(tmp_path, fsync=False)
        jobs.stop_scheduler()

    def test_loading_the_add_on_starts_nothing(self, portal):
        assert jobs.get_scheduler() is None

    def test_requests_to_the_test_wsgi_server_start_nothing(self, functional_portal):
        # plone.testing's server layer runs make_wsgi_app (IProcessStarting)
        # and publishes requests (IPubStart); its database is a stand-in.
        response = requests.get(functional_portal.absolute_url(), timeout=30)
        assert response.status_code == 200
        assert jobs.get_scheduler() is None

    def test_process_starting_from_a_script_starts_nothing(self, site_settings):
        # zconsole run and other scripts call make_wsgi_app directly.
        notify(ProcessStarting())
        assert jobs.get_scheduler() is None

    def test_process_starting_under_paste_deploy_starts_it(self, site_settings):
        # runwsgi/pserve build the application through paste.deploy.
        loader = {"__name__": "paste.deploy.loadwsgi", "notify": notify}
        exec("notify(event)", loader, {"event": ProcessStarting()})  # noqa: S102
        scheduler = jobs.get_scheduler()
        assert scheduler is not None and scheduler.is_running
        upload_id = unfinished_upload(site_settings, expires=time.time() - 1)
        assert upload_id
        assert wait_for(lambda: site_settings.list_ids() == [], timeout=5)

    def test_first_published_request_starts_it(self, site_settings, caplog):
        caplog.set_level(logging.INFO, logger="collective.tusupload")
        upload_id = unfinished_upload(site_settings, expires=time.time() - 1)
        notify(PubStart(BrowserRequest()))
        assert jobs.get_scheduler().is_running
        assert wait_for(lambda: site_settings.list_ids() == [])
        assert "scheduler started (first request)" in caplog.text
        # The sweep's record is written just after its removals.
        assert wait_for(lambda: jobs.last_record(site_settings.directory) is not None)
        assert (
            upload_id in jobs.last_record(site_settings.directory).summary.removed_ids
        )
        notify(PubStart(BrowserRequest()))
        assert caplog.text.count("scheduler started") == 1

    def test_site_targets_reads_every_site_with_the_add_on(
        self, functional, functional_portal, tmp_path
    ):
        api.portal.set_registry_record("collective.tusupload.tmp_dir", str(tmp_path))
        api.portal.set_registry_record("collective.tusupload.cleanup_interval", 600)
        transaction.commit()
        targets = jobs.site_targets(functional["zodbDB"])
        assert targets == [jobs.Target(str(tmp_path), 600)]


def test_run_now_ignores_the_interval_and_remembers(tmp_path):
    store = FileStore(tmp_path, fsync=False)
    upload_id = unfinished_upload(store, expires=time.time() - 1)
    summary = jobs.run_now(str(tmp_path))
    assert summary.removed_ids == [upload_id]
    assert jobs.run_now(str(tmp_path)).removed_ids == []
    assert jobs.last_record(str(tmp_path)).summary.removed_ids == []


def test_handler_and_scheduler_agree_on_expiry(tmp_path, scheduler_of):
    store = FileStore(tmp_path, fsync=False)
    handler = Handler(store, expiry=0.3)
    assert handler.store is store
    scheduler_of(lambda: [jobs.Target(str(tmp_path), 0.1)])
    upload_id = unfinished_upload(store, expires=time.time() + 0.3)
    assert store.list_ids() == [upload_id]
    assert wait_for(lambda: store.list_ids() == [], timeout=3)
