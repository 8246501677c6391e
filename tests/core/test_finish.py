"""The states of an upload and their transitions (core/finish.py)."""

from collective.tusupload.core import errors
from collective.tusupload.core.finish import advance
from collective.tusupload.core.finish import Append
from collective.tusupload.core.finish import decide_append
from collective.tusupload.core.finish import Event
from collective.tusupload.core.finish import TRANSITIONS
from collective.tusupload.core.info import State
from collective.tusupload.core.info import UploadInfo

import pytest


def upload(state=State.RECEIVING, *, offset=0, length=10):
    return UploadInfo(id="0" * 32, length=length, offset=offset, state=state)


@pytest.mark.parametrize(
    ("state", "event", "next_state"),
    [
        (State.RECEIVING, Event.STORED, State.FINISHING),
        (State.RECEIVING, Event.PARTIAL_STORED, State.FINISHED),
        (State.FINISHING, Event.STORED, State.FINISHING),
        (State.FINISHING, Event.TAKEN, State.FINISHED),
    ],
)
def test_the_transitions(state, event, next_state):
    assert advance(upload(state), event).state is next_state


def test_no_other_transition_exists():
    allowed = set(TRANSITIONS)
    for state in State:
        for event in Event:
            if (state, event) in allowed:
                continue
            with pytest.raises(RuntimeError, match="no transition"):
                advance(upload(state), event)


def test_a_finished_upload_is_never_finished_again():
    assert (State.FINISHED, Event.TAKEN) not in TRANSITIONS
    assert (State.FINISHED, Event.STORED) not in TRANSITIONS


def test_an_append_at_the_offset_writes():
    assert decide_append(upload(offset=4), 4, 3) is Append.WRITE


def test_an_append_elsewhere_is_409_with_both_offsets():
    with pytest.raises(errors.OffsetMismatch) as refused:
        decide_append(upload(offset=4), 2, 3)
    assert (refused.value.expected, refused.value.provided) == (4, 2)


def test_a_finishing_upload_takes_its_last_chunk_again():
    # The stored offset says where the last chunk began.
    assert decide_append(upload(State.FINISHING, offset=7), 7, 3) is Append.WRITE


@pytest.mark.parametrize(("offset", "length"), [(7, 3), (10, 0), (10, None)])
def test_the_end_of_a_finished_upload_again_is_a_replay(offset, length):
    finished = upload(State.FINISHED, offset=10)
    assert decide_append(finished, offset, length) is Append.REPLAY


def test_bytes_past_a_finished_upload_are_refused():
    with pytest.raises(errors.PastLength):
        decide_append(upload(State.FINISHED, offset=10), 10, 5)


def test_another_chunk_of_a_finished_upload_is_409():
    with pytest.raises(errors.OffsetMismatch):
        decide_append(upload(State.FINISHED, offset=10), 3, 3)
