"""The session records: get-or-create by name is atomic across connections."""

from collective.tusupload.sessions.model import storage_of
from collective.tusupload.sessions.model import UploadSession
from collective.tusupload.sessions.problems import SessionProblem
from collective.tusupload.sessions.states import advance_file
from collective.tusupload.sessions.states import advance_session
from collective.tusupload.sessions.states import FILE_TRANSITIONS
from collective.tusupload.sessions.states import FileEvent
from collective.tusupload.sessions.states import SESSION_TRANSITIONS
from collective.tusupload.sessions.states import SessionEvent
from ZODB.POSException import ConflictError

import pytest
import transaction


def open_site(database, path):
    manager = transaction.TransactionManager()
    connection = database.open(transaction_manager=manager)
    return manager, connection.root()["Application"].unrestrictedTraverse(path)


def new_session(name="batch"):
    return UploadSession(
        name=name,
        folder_uid="f" * 32,
        folder_path="/plone/inbox",
        created_by="alice",
        lifetime=60,
    )


def test_two_creations_of_one_name_conflict(site, functional):
    path = "/".join(site.getPhysicalPath())
    storage_of(site, create=True)
    transaction.commit()
    database = functional["zodbDB"]
    first_manager, first_site = open_site(database, path)
    second_manager, second_site = open_site(database, path)
    storage_of(first_site).add(new_session())
    storage_of(second_site).add(new_session())
    first_manager.commit()
    with pytest.raises(ConflictError):
        second_manager.commit()
    second_manager.abort()
    # Zope's retry sees the first one's session under that name.
    second_manager.begin()
    assert storage_of(second_site).live_named("f" * 32, "batch", 0) is not None


def test_sessions_of_different_names_do_not_conflict(site, functional):
    path = "/".join(site.getPhysicalPath())
    storage_of(site, create=True)
    transaction.commit()
    database = functional["zodbDB"]
    first_manager, first_site = open_site(database, path)
    second_manager, second_site = open_site(database, path)
    storage_of(first_site).add(new_session("one"))
    storage_of(second_site).add(new_session("two"))
    first_manager.commit()
    second_manager.commit()


def test_released_name_is_free_again():
    from collective.tusupload.sessions.model import SessionStorage

    storage = SessionStorage()
    session = new_session()
    storage.add(session)
    assert storage.live_named("f" * 32, "batch", 0) is session
    advance_session(session, SessionEvent.CANCELED)
    storage.release_name(session)
    assert storage.live_named("f" * 32, "batch", 0) is None


def test_every_transition_not_in_the_tables_is_409():
    session = new_session()
    for status in ("published", "canceled", "processing"):
        session.status = status
        for event in SessionEvent:
            if (status, event) not in {
                (key[0].value, key[1]) for key in SESSION_TRANSITIONS
            }:
                with pytest.raises(SessionProblem) as refused:
                    advance_session(session, event)
                assert refused.value.status == 409

    class File:
        filename = "a.bin"

    item = File()
    item.status = "canceled"
    for event in FileEvent:
        assert ("canceled", event) not in {
            (key[0].value, key[1]) for key in FILE_TRANSITIONS
        }
        with pytest.raises(SessionProblem):
            advance_file(item, event)
