"""termination extension."""

from collective.tusupload.core import FileStore
from collective.tusupload.core import Handler
from collective.tusupload.core import HookRefused
from collective.tusupload.core import Hooks

import os


def test_delete_answers_204_and_frees_everything(client, store):
    upload_id = client.create(5)
    client.patch(upload_id, 0, b"ab")
    response = client.request("DELETE", upload_id)
    assert response.status == 204
    assert store.list_ids() == []
    if isinstance(store, FileStore):
        assert os.listdir(store.directory) == []  # lock file included


def test_requests_after_delete_get_404(client):
    upload_id = client.create(5)
    client.request("DELETE", upload_id)
    assert client.head(upload_id).status == 404
    assert client.patch(upload_id, 0, b"a").status == 404
    assert client.request("DELETE", upload_id).status == 404


def test_before_terminate_may_refuse(store, clock, client_for):
    class Keeper(Hooks):
        def before_terminate(self, request, info):
            raise HookRefused(403, "keep it")

    client = client_for(Handler(store, clock=clock, hooks=Keeper()))
    upload_id = client.create(5)
    assert client.request("DELETE", upload_id).status == 403
    assert client.head(upload_id).status == 200


def test_delete_during_active_patch_is_423(client, store):
    upload_id = client.create(5)
    with client.handler.locker.lock(upload_id):
        response = client.request("DELETE", upload_id)
    assert response.status == 423
    assert response.body == b"upload is busy"
    assert client.head(upload_id).status == 200


def test_delete_of_expired_upload_is_410(client, clock):
    upload_id = client.create(5)
    clock.now += 10**6
    assert client.request("DELETE", upload_id).status == 410
