"""kurrentdbclient's stream operations against our node: appends (Append for one event,
BatchAppend for several), reads, deletes and tombstones, catch-up subscriptions."""

import json
import threading
import time
import uuid

import pytest
from kurrentdbclient import NewEvent, StreamState
from kurrentdbclient.events import CaughtUp, Checkpoint
from kurrentdbclient.exceptions import (
    AccessDeniedError,
    FailedPreconditionError,
    NotFoundError,
    StreamIsDeletedError,
    WrongCurrentVersionError,
)

from conftest import grpc_client, unique


def new(type_: str, body: dict, metadata: dict | None = None) -> NewEvent:
    return NewEvent(type=type_, data=json.dumps(body).encode(), metadata=json.dumps(metadata or {}).encode())


def test_append_one_and_many_then_read_back(client):
    stream = unique("orders")
    first = new("Created", {"n": 0}, {"by": "py"})
    assert client.append_to_stream(stream, events=first, current_version=StreamState.NO_STREAM) > 0
    more = [new("Changed", {"n": i}) for i in (1, 2, 3)]
    client.append_to_stream(stream, events=more, current_version=0)  # BatchAppend
    events = client.get_stream(stream)
    assert [e.id for e in events] == [first.id] + [e.id for e in more]
    assert [e.type for e in events] == ["Created", "Changed", "Changed", "Changed"]
    assert [json.loads(e.data)["n"] for e in events] == [0, 1, 2, 3]
    assert json.loads(events[0].metadata) == {"by": "py"}
    assert [e.stream_position for e in events] == [0, 1, 2, 3]
    assert all(e.content_type == "application/json" for e in events)
    assert events[0].recorded_at is not None
    assert abs(events[0].recorded_at.timestamp() - time.time()) < 300
    backwards = client.get_stream(stream, backwards=True, limit=2)
    assert [e.stream_position for e in backwards] == [3, 2]
    assert client.get_current_version(stream) == 3


def test_wrong_expected_version_is_reported(client):
    stream = unique("wev")
    client.append_to_stream(stream, events=new("A", {}), current_version=StreamState.NO_STREAM)
    with pytest.raises(WrongCurrentVersionError):
        client.append_to_stream(stream, events=new("B", {}), current_version=StreamState.NO_STREAM)
    with pytest.raises(WrongCurrentVersionError):
        client.append_to_stream(stream, events=[new("B", {}), new("C", {})], current_version=5)


def test_read_all_sees_appended_events_in_order(client):
    stream = unique("all")
    events = [new("Numbered", {"n": i}) for i in range(5)]
    client.append_to_stream(stream, events=events, current_version=StreamState.ANY)
    mine = [e for e in client.read_all() if e.stream_name == stream]
    assert [e.id for e in mine] == [e.id for e in events]
    positions = [e.commit_position for e in mine]
    assert positions == sorted(positions)
    assert client.get_commit_position() >= positions[-1]


def test_missing_stream_is_not_found(client):
    with pytest.raises(NotFoundError):
        client.get_stream(unique("missing"))


def test_delete_then_tombstone(client):
    stream = unique("deleted")
    client.append_to_stream(stream, events=new("A", {}), current_version=StreamState.NO_STREAM)
    client.delete_stream(stream, current_version=0)
    with pytest.raises(NotFoundError):
        client.get_stream(stream)
    # A soft-deleted stream can be written again: numbering continues.
    client.append_to_stream(stream, events=new("B", {}), current_version=StreamState.ANY)
    assert [e.stream_position for e in client.get_stream(stream)] == [1]
    client.tombstone_stream(stream, current_version=StreamState.ANY)
    with pytest.raises(StreamIsDeletedError):
        client.get_stream(stream)
    # BatchAppend reports a StreamDeleted detail; Append a FAILED_PRECONDITION "… is deleted." status,
    # which kurrentdbclient leaves as a FailedPreconditionError (as against a KurrentDB server).
    with pytest.raises(StreamIsDeletedError):
        client.append_to_stream(stream, events=[new("C", {}), new("D", {})], current_version=StreamState.ANY)
    with pytest.raises(FailedPreconditionError, match="is deleted"):
        client.append_to_stream(stream, events=new("C", {}), current_version=StreamState.ANY)


def test_access_control_applies(secure_node):
    # ops is not an admin: system streams are closed to it by default.
    ops = grpc_client(secure_node, credentials="ops:changeit@")
    try:
        with pytest.raises(AccessDeniedError):
            ops.append_to_stream("$secret-" + uuid.uuid4().hex[:6], events=new("A", {}), current_version=StreamState.ANY)
        ops.append_to_stream(unique("open"), events=new("A", {}), current_version=StreamState.ANY)
    finally:
        ops.close()


def test_catch_up_subscription_to_stream_goes_live(client):
    stream = unique("tail")
    client.append_to_stream(stream, events=[new("Old", {"n": i}) for i in range(3)], current_version=StreamState.ANY)
    subscription = client.subscribe_to_stream(stream, include_caught_up=True, timeout=30)
    received = []
    try:
        for item in subscription:
            if isinstance(item, CaughtUp):
                received.append("caught-up")
                client.append_to_stream(stream, events=new("New", {"n": 3}), current_version=2)
                continue
            received.append(item.stream_position)
            if item.stream_position == 3:
                break
    finally:
        subscription.stop()
    assert received == [0, 1, 2, "caught-up", 3]


def test_catch_up_subscription_from_a_position_is_exclusive(client):
    stream = unique("from")
    client.append_to_stream(stream, events=[new("E", {"n": i}) for i in range(5)], current_version=StreamState.ANY)
    subscription = client.subscribe_to_stream(stream, stream_position=2, timeout=30)
    try:
        got = [next(iter(subscription)).stream_position for _ in range(2)]
    finally:
        subscription.stop()
    assert got == [3, 4]


def test_filtered_all_subscription_with_checkpoints_and_caught_up(client):
    prefix = unique("flt")
    ids = []
    for i in range(3):
        event = new("Filtered", {"i": i})
        ids.append(event.id)
        client.append_to_stream(f"{prefix}-{i}", events=event, current_version=StreamState.ANY)
    subscription = client.subscribe_to_all(
        filter_include=[prefix], filter_by_stream_name=True, filter_by_prefix=True,
        include_checkpoints=True, include_caught_up=True, window_size=4, timeout=30)
    events, checkpoints, caught_up = [], 0, False
    try:
        for item in subscription:
            if isinstance(item, CaughtUp):
                caught_up = True
                live = new("Filtered", {"i": 3})
                ids.append(live.id)
                client.append_to_stream(f"{prefix}-live", events=live, current_version=StreamState.ANY)
            elif isinstance(item, Checkpoint):
                checkpoints += 1
            else:
                assert item.stream_name.startswith(prefix)
                events.append(item.id)
                if len(events) == 4:
                    break
    finally:
        subscription.stop()
    assert caught_up
    assert events == ids
    assert checkpoints >= 1  # at least the one sent when the subscription goes live


def test_subscription_sees_events_from_concurrent_writers_once(client):
    stream = unique("race")
    subscription = client.subscribe_to_stream(stream, timeout=30)
    total = 50

    def writer():
        with_client = client
        for i in range(total):
            with_client.append_to_stream(stream, events=new("Raced", {"i": i}), current_version=StreamState.ANY)

    thread = threading.Thread(target=writer)
    thread.start()
    positions = []
    try:
        for event in subscription:
            positions.append(event.stream_position)
            if len(positions) == total:
                break
    finally:
        subscription.stop()
        thread.join()
    assert positions == list(range(total))
