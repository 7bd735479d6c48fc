"""Interop: photonpump (third-party Python TCP client, PyPI "photon-pump" 0.9.5.2) against `esdb node`.

API used (photonpump 0.9.5.2, read from the installed package):
  photonpump/connection.py   connect(host, port, username=, password=, name=) -> Client;
                             Client.connect/close/ping, publish_event(stream, type, body=, id=,
                             metadata=, expected_version=), publish(stream, [NewEvent], expected_version=),
                             get_event(stream, n), get(stream, direction=, from_event=, max_count=),
                             iter(stream, direction=, from_event=, batch_size=),
                             get_all(direction=, from_position=, max_count=, resolve_links=),
                             iter_all(batch_size=, resolve_links=),
                             subscribe_to(stream, start_from=-1 | N, resolve_link_tos=, batch_size=)
                             -> VolatileSubscription(.events .first_event_number .unsubscribe())
                             create_subscription(name, stream, start_from=), connect_subscription(name,
                             stream) -> PersistentSubscription(.name .events .ack(event))
  photonpump/messages.py     NewEvent, ExpectedVersion, StreamDirection, OperationResult, End,
                             SubscriptionDropReason; Event(.stream .id .event_number .type .data
                             .metadata .created .position .link), StreamSlice
  photonpump/exceptions.py   StreamNotFound, EventNotFound, AccessDenied, NotAuthenticated,
                             SubscriptionCreationFailed
  photonpump/conversations.py  behaviour notes below

photonpump behaviour the tests are written around (not server requirements):
  * a WrongExpectedVersion write does NOT raise: publish/publish_event return the
    WriteEventsCompleted message and its .result is OperationResult.WrongExpectedVersion;
  * an AccessDenied write raises AccessDenied, but photonpump then crashes that connection's
    dispatch loop (it sets the future twice), so every denied write uses a throw-away connection;
  * get(direction=Backward) defaults from_event to 0, so backward reads pass from_event=-1;
  * a catch-up subscription (subscribe_to(stream, start_from=N)) on a stream that does not exist
    fails with StreamNotFound, so catch-up tests write history first;
  * photonpump reconnects forever and re-sends unfinished operations, so every await has a deadline;
  * Client.close() can hang ~120 s on Python 3.11 (heartbeat-loop cancel lost in wait_for), so
    connections are closed through close_client();
  * $all is read and subscribed with resolve_links=False: with link resolution a `$ce-`/`$et-`
    link would come back as (target stream, link number) and look like a duplicate of our event.
"""

import asyncio
import contextlib
import datetime
import json
import os
import uuid

import pytest

import photonpump
from photonpump_close import close_client
from photonpump import exceptions as ppx
from photonpump.messages import (
    End,
    ExpectedVersion,
    NewEvent,
    OperationResult,
    StreamDirection,
    SubscriptionDropReason,
)

ADMIN = ("admin", "changeit")
OPS = ("ops", "changeit")

OP_TIMEOUT = float(os.environ.get("ESDB_INTEROP_TIMEOUT", "10"))
TEST_TIMEOUT = max(60.0, 6 * OP_TIMEOUT)

SETTINGS_ADMINS_ONLY = {
    "$userStreamAcl": {
        "$r": "$admins", "$w": "$admins", "$d": "$admins", "$mr": "$admins", "$mw": "$admins",
    },
    "$systemStreamAcl": {
        "$r": "$admins", "$w": "$admins", "$d": "$admins", "$mr": "$admins", "$mw": "$admins",
    },
}


# ------------------------------------------------------------------------------------ helpers


def run(coro_fn, *args):
    """Run one test body in a fresh event loop with an overall deadline."""

    async def guarded():
        try:
            return await asyncio.wait_for(coro_fn(*args), TEST_TIMEOUT)
        except asyncio.TimeoutError:
            raise AssertionError(f"test did not finish within {TEST_TIMEOUT:.0f}s") from None

    return asyncio.run(guarded())


async def op(awaitable, what):
    """Await one photonpump operation with a deadline and a readable failure."""
    try:
        return await asyncio.wait_for(awaitable, OP_TIMEOUT)
    except asyncio.TimeoutError:
        raise AssertionError(f"{what}: no answer from the node within {OP_TIMEOUT:.0f}s") from None


@contextlib.asynccontextmanager
async def client(node, creds=None, name=None):
    user, password = creds if creds else (None, None)
    conn = photonpump.connect(
        host=node.tcp_host, port=node.tcp_port, username=user, password=password, name=name
    )
    connected = asyncio.get_running_loop().create_future()
    conn.connector.connected.append(
        lambda *_: connected.done() or connected.set_result(True)
    )
    await conn.connect()
    try:
        await op(connected, f"TCP connect to {node.tcp_host}:{node.tcp_port}")
        yield conn
    finally:
        await close_client(conn, OP_TIMEOUT)


async def collect(aiter_, what, limit=100_000):
    """Drain an async iterator (photonpump iter/iter_all) with a deadline per item."""
    out = []
    it = aiter_.__aiter__()
    while True:
        try:
            item = await op(it.__anext__(), f"{what} (after {len(out)} items)")
        except StopAsyncIteration:
            return out
        out.append(item)
        assert len(out) <= limit, f"{what}: more than {limit} items"


async def next_events(sub, count, what):
    """Take exactly `count` events from a subscription, each within the deadline."""
    out = []
    for _ in range(count):
        out.append(await op(sub.events.anext(), f"{what}: event {len(out) + 1} of {count}"))
    return out


async def assert_no_more_events(sub, what, wait=0.5):
    await asyncio.sleep(wait)
    assert sub.events.items.empty(), f"{what}: unexpected extra events {list(sub.events.items._queue)}"


async def assert_ends_after_unsubscribe(sub, what, skip_pending=False):
    """Unsubscribe; the node's SubscriptionDropped(Unsubscribed) must end the iteration.
    skip_pending: events still queued before the drop are ignored (for $all subscriptions,
    where system events may follow ours)."""
    await sub.unsubscribe()
    for _ in range(10_000):
        try:
            ev = await op(sub.events.anext(), f"{what}: SubscriptionDropped after unsubscribe")
        except StopAsyncIteration:
            return
        if not skip_pending:
            pytest.fail(f"{what}: unexpected event {ev!r} before the end of the subscription")
    pytest.fail(f"{what}: subscription did not end")


def new_stream(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def body_bytes(body):
    """The exact bytes photonpump sends for a dict body (json.dumps, ensure_ascii)."""
    return json.dumps(body).encode("UTF-8")


def assert_success(result, first, last, what):
    assert result.result == OperationResult.Success, (
        f"{what}: expected Success, got {OperationResult(result.result).name} ({result.message!r})"
    )
    assert (result.first_event_number, result.last_event_number) == (first, last), what


def assert_wrong_expected_version(result, what):
    assert result.result == OperationResult.WrongExpectedVersion, (
        f"{what}: expected WrongExpectedVersion, got {OperationResult(result.result).name}"
    )


def assert_recent(created, what):
    now = datetime.datetime.now()
    assert abs(now - created) < datetime.timedelta(minutes=10), (
        f"{what}: created={created} is not close to now={now} (created_epoch missing or wrong?)"
    )


async def write_numbered(conn, stream, count, batch, start=0, type_="Numbered"):
    """Append events {"i": n} for n in [start, start+count) in batches; returns their ids."""
    ids = []
    n = start
    while n < start + count:
        size = min(batch, start + count - n)
        events = [NewEvent(type_, id=uuid.uuid4(), data={"i": n + k}) for k in range(size)]
        expected = ExpectedVersion.StreamMustNotExist if n == 0 else n - 1
        res = await op(conn.publish(stream, events, expected_version=expected), f"append at {n}")
        assert_success(res, n, n + size - 1, f"append {size} events at {n} to {stream}")
        ids.extend(e.id for e in events)
        n += size
    return ids


def assert_numbered(events, stream, ids, numbers, type_="Numbered"):
    assert [e.event_number for e in events] == list(numbers)
    assert [e.stream for e in events] == [stream] * len(events)
    assert [e.id for e in events] == [ids[n] for n in numbers]
    assert [e.type for e in events] == [type_] * len(events)
    assert [e.json() for e in events] == [{"i": n} for n in numbers]


async def write_denied(node, creds, stream, what):
    """A write that must be refused. Uses its own connection (see module docstring)."""
    async with client(node, creds, name="denied-writer") as conn:
        with pytest.raises(ppx.AccessDenied) as exc:
            res = await op(
                conn.publish_event(stream, "ShouldBeDenied", body={"x": 1}), what
            )
            pytest.fail(f"{what}: write was not denied: {OperationResult(res.result).name}")
        assert exc.value.conversation_type == "WriteEvents"


# ------------------------------------------------------------------------------- connection


def test_ping(node):
    async def body():
        async with client(node) as conn:
            rtt = await op(conn.ping(), "ping")
            assert isinstance(rtt, float) and rtt >= 0

    run(body)


def test_heartbeat_request_answered(node):
    """photonpump sends HeartbeatRequest right after connecting (fixed id per connection) and
    counts a missing HeartbeatResponse as a failure; the node must answer with the same id."""

    async def body():
        async with client(node) as conn:
            pacemaker = conn.connector.active_protocol.pacemaker
            deadline = asyncio.get_running_loop().time() + OP_TIMEOUT
            while pacemaker._fut is None or not pacemaker._fut.done():
                assert asyncio.get_running_loop().time() < deadline, "no HeartbeatResponse"
                await asyncio.sleep(0.05)
            assert pacemaker._fut.result() == pacemaker.heartbeat_id
            assert conn.connector.heartbeat_failures == 0

    run(body)


def test_many_concurrent_operations_on_one_connection(node):
    async def body():
        streams = [new_stream("pp-concurrent") for _ in range(20)]
        ids = [uuid.uuid4() for _ in streams]
        async with client(node) as conn:
            results = await op(
                asyncio.gather(*[
                    conn.publish_event(s, "Concurrent", body={"s": s}, id=i,
                                       expected_version=ExpectedVersion.StreamMustNotExist)
                    for s, i in zip(streams, ids)
                ]),
                "20 concurrent appends",
            )
            for s, res in zip(streams, results):
                assert_success(res, 0, 0, f"append to {s}")
            events = await op(
                asyncio.gather(*[conn.get_event(s, 0) for s in streams]), "20 concurrent reads"
            )
            assert [(e.stream, e.id, e.json()) for e in events] == [
                (s, i, {"s": s}) for s, i in zip(streams, ids)
            ]

    run(body)


# ----------------------------------------------------------------------------------- writes


def test_append_single_event_and_read_back(node):
    async def body():
        stream = new_stream("pp-single")
        event_id = uuid.uuid4()
        data = {"order": 42, "lines": [{"sku": "A-1", "qty": 2}], "note": "h\u00e9llo"}
        meta = {"$correlationId": "c-1", "source": "photonpump"}
        async with client(node) as conn:
            res = await op(
                conn.publish_event(
                    stream, "OrderPlaced", body=data, id=event_id, metadata=meta,
                    expected_version=ExpectedVersion.StreamMustNotExist,
                ),
                "publish_event",
            )
            assert_success(res, 0, 0, "single append")
            assert res.commit_position >= 0 and res.prepare_position >= 0

            for number in (0, -1):
                ev = await op(conn.get_event(stream, number), f"get_event {number}")
                what = f"get_event({stream!r}, {number})"
                assert ev.stream == stream, what
                assert ev.event_number == 0, what
                assert ev.id == event_id, what
                assert ev.type == "OrderPlaced", what
                assert ev.data == body_bytes(data), what  # bytes kept verbatim
                assert ev.json() == data, what
                assert json.loads(ev.metadata) == meta, what
                assert ev.link is None, what
                assert_recent(ev.created, what)

    run(body)


def test_append_several_events_with_mixed_content_and_read_back(node):
    async def body():
        stream = new_stream("pp-batch")
        first = [
            NewEvent("JsonEvent", id=uuid.uuid4(), data={"i": 0}, metadata={"m": 0}),
            NewEvent("TextEvent", id=uuid.uuid4(), data='{"raw": "string body"}'),
            NewEvent("BinaryEvent", id=uuid.uuid4(), data=b"\x00\x01\xfe\xff"),
            NewEvent("EmptyEvent", id=uuid.uuid4()),
            NewEvent("Unicode-\u00c9v\u00e9nement", id=uuid.uuid4(),
                     data={"s": "snowman \u2603"}, metadata={"trace": "x"}),
        ]
        second = [
            NewEvent("Second", id=uuid.uuid4(), data={"i": 5}),
            NewEvent("Second", id=uuid.uuid4(), data={"i": 6}, metadata={"last": True}),
        ]
        expected_data = [
            body_bytes({"i": 0}), b'{"raw": "string body"}', b"\x00\x01\xfe\xff", b"",
            body_bytes({"s": "snowman \u2603"}), body_bytes({"i": 5}), body_bytes({"i": 6}),
        ]
        expected_meta = [
            body_bytes({"m": 0}), b"", b"", b"", body_bytes({"trace": "x"}), b"",
            body_bytes({"last": True}),
        ]
        all_events = first + second

        async with client(node) as conn:
            res = await op(
                conn.publish(stream, first, expected_version=ExpectedVersion.StreamMustNotExist),
                "publish 5",
            )
            assert_success(res, 0, 4, "append of 5 events")
            res = await op(conn.publish(stream, second, expected_version=4), "publish 2")
            assert_success(res, 5, 6, "append of 2 more events at expected version 4")

            last = await op(conn.get_event(stream, -1), "get_event -1")
            assert (last.event_number, last.id, last.type) == (6, second[1].id, "Second")
            assert json.loads(last.metadata) == {"last": True}

            for n in (0, 2, 3, 4):
                ev = await op(conn.get_event(stream, n), f"get_event {n}")
                assert (ev.event_number, ev.id, ev.type) == (n, all_events[n].id, all_events[n].type)
                assert ev.data == expected_data[n], f"data of event {n}"
                assert ev.metadata == expected_meta[n], f"metadata of event {n}"

            page = await op(conn.get(stream, max_count=100), "get forward")
            assert [e.event_number for e in page] == list(range(7))
            assert [e.id for e in page] == [e.id for e in all_events]
            assert [e.type for e in page] == [e.type for e in all_events]
            assert [e.data for e in page] == expected_data
            assert [e.metadata for e in page] == expected_meta
            assert page.is_end_of_stream and page.last_event_number == 6

    run(body)


def test_large_event_round_trip(node):
    """~600 KB body: spans many TCP reads on both sides."""

    async def body():
        stream = new_stream("pp-large")
        data = {"blob": "x" * 600_000, "tail": list(range(100))}
        async with client(node) as conn:
            res = await op(conn.publish_event(stream, "Large", body=data), "publish large")
            assert_success(res, 0, 0, "large append")
            ev = await op(conn.get_event(stream, 0), "get large")
            assert ev.data == body_bytes(data)

    run(body)


def test_expected_version_conflicts(node):
    async def body():
        stream = new_stream("pp-expected")
        ok_ids = []
        async with client(node) as conn:
            async def publish(expected, what):
                eid = uuid.uuid4()
                res = await op(
                    conn.publish_event(stream, "Versioned", body={"what": what}, id=eid,
                                       expected_version=expected),
                    what,
                )
                return eid, res

            _, res = await publish(ExpectedVersion.StreamMustExist, "StreamExists on no stream")
            assert_wrong_expected_version(res, "StreamExists (-4) on a missing stream")

            eid, res = await publish(ExpectedVersion.StreamMustNotExist, "NoStream on no stream")
            assert_success(res, 0, 0, "NoStream (-1) on a missing stream")
            ok_ids.append(eid)

            _, res = await publish(ExpectedVersion.StreamMustNotExist, "NoStream on existing")
            assert_wrong_expected_version(res, "NoStream (-1) on an existing stream")

            _, res = await publish(5, "expected 5 at version 0")
            assert_wrong_expected_version(res, "expected version 5 when the stream is at 0")

            batch = [NewEvent("Versioned", id=uuid.uuid4(), data={"what": f"b{k}"}) for k in range(2)]
            res = await op(conn.publish(stream, batch, expected_version=0), "batch at 0")
            assert_success(res, 1, 2, "expected version 0 when the stream is at 0")
            ok_ids.extend(e.id for e in batch)

            _, res = await publish(1, "stale expected 1")
            assert_wrong_expected_version(res, "stale expected version 1 when the stream is at 2")

            eid, res = await publish(ExpectedVersion.StreamMustExist, "StreamExists on existing")
            assert_success(res, 3, 3, "StreamExists (-4) on an existing stream")
            ok_ids.append(eid)

            eid, res = await publish(ExpectedVersion.Any, "Any")
            assert_success(res, 4, 4, "Any (-2)")
            ok_ids.append(eid)

            page = await op(conn.get(stream, max_count=100), "read back")
            assert [e.id for e in page] == ok_ids, "rejected writes must not append anything"
            assert [e.event_number for e in page] == list(range(5))

    run(body)


# ------------------------------------------------------------------------------------ reads


def test_read_stream_forward_with_paging(node):
    async def body():
        stream = new_stream("pp-forward")
        async with client(node) as conn:
            ids = await write_numbered(conn, stream, 250, batch=50)

            expected_pages = [(0, 100, 100, False), (100, 200, 200, False), (200, 250, 250, True)]
            for start, stop, next_number, at_end in expected_pages:
                page = await op(conn.get(stream, from_event=start, max_count=100), f"get {start}")
                assert_numbered(page, stream, ids, range(start, stop))
                assert page.next_event_number == next_number, f"next_event_number from {start}"
                assert page.last_event_number == 249, f"last_event_number from {start}"
                assert page.is_end_of_stream == at_end, f"is_end_of_stream from {start}"

            events = await collect(conn.iter(stream, batch_size=100), "iter forward")
            assert_numbered(events, stream, ids, range(250))

            tail = await collect(conn.iter(stream, from_event=240, batch_size=4), "iter from 240")
            assert_numbered(tail, stream, ids, range(240, 250))

            past_end = await op(conn.get(stream, from_event=300, max_count=10), "get past end")
            assert list(past_end) == [] and past_end.is_end_of_stream
            assert past_end.last_event_number == 249

    run(body)


def test_read_stream_backward(node):
    async def body():
        stream = new_stream("pp-backward")
        async with client(node) as conn:
            ids = await write_numbered(conn, stream, 10, batch=10)

            page = await op(
                conn.get(stream, direction=StreamDirection.Backward, from_event=-1, max_count=4),
                "backward from end",
            )
            assert_numbered(page, stream, ids, [9, 8, 7, 6])
            assert (page.next_event_number, page.is_end_of_stream) == (5, False)
            assert page.last_event_number == 9

            page = await op(
                conn.get(stream, direction=StreamDirection.Backward, from_event=5, max_count=10),
                "backward from 5",
            )
            assert_numbered(page, stream, ids, [5, 4, 3, 2, 1, 0])
            assert page.is_end_of_stream
            assert page.next_event_number == -1

            events = await collect(
                conn.iter(stream, direction=StreamDirection.Backward, batch_size=3), "iter backward"
            )
            assert_numbered(events, stream, ids, range(9, -1, -1))

    run(body)


def test_read_all_forward_with_paging_as_admin(node):
    async def body():
        stream = new_stream("pp-all")
        async with client(node, ADMIN) as conn:
            ids = await write_numbered(conn, stream, 25, batch=5)
            everything = await collect(
                conn.iter_all(batch_size=20, resolve_links=False), "iter_all forward"
            )

        mine = [e for e in everything if e.stream == stream]
        assert_numbered(mine, stream, ids, range(25))

        positions = [e.position for e in everything]
        assert all(p is not None for p in positions)
        assert all(a < b for a, b in zip(positions, positions[1:])), "$all positions must increase"
        keys = [(e.stream, e.event_number) for e in everything]
        assert len(keys) == len(set(keys)), "a record appeared twice while paging $all"

    run(body)


def test_read_all_backward_as_admin(node):
    async def body():
        stream = new_stream("pp-all-back")
        async with client(node, ADMIN) as conn:
            ids = await write_numbered(conn, stream, 3, batch=3)
            page = await op(
                conn.get_all(direction=StreamDirection.Backward, from_position=End, max_count=50,
                            resolve_links=False),
                "get_all backward",
            )
        positions = [e.position for e in page]
        assert all(a > b for a, b in zip(positions, positions[1:])), "backward $all must descend"
        mine = [e for e in page if e.stream == stream]
        assert_numbered(mine, stream, ids, [2, 1, 0])

    run(body)


def test_read_all_is_denied_to_anonymous(node):
    async def body():
        async with client(node) as conn:
            with pytest.raises(ppx.AccessDenied):
                await collect(conn.iter_all(batch_size=10), "anonymous iter_all")

    run(body)


def test_not_found_reads_raise(node):
    async def body():
        missing = new_stream("pp-missing")
        stream = new_stream("pp-short")
        async with client(node) as conn:
            with pytest.raises(ppx.StreamNotFound):
                await op(conn.get_event(missing, 0), "get_event on missing stream")
            with pytest.raises(ppx.StreamNotFound):
                await op(conn.get_event(missing, -1), "get_event -1 on missing stream")
            with pytest.raises(ppx.StreamNotFound):
                await op(conn.get(missing), "get on missing stream")
            with pytest.raises(ppx.StreamNotFound):
                await op(
                    conn.get(missing, direction=StreamDirection.Backward, from_event=-1),
                    "backward get on missing stream",
                )
            with pytest.raises(ppx.StreamNotFound):
                await collect(conn.iter(missing), "iter on missing stream")

            ids = await write_numbered(conn, stream, 2, batch=2)
            with pytest.raises(ppx.EventNotFound) as exc:
                await op(conn.get_event(stream, 7), "get_event past the end")
            assert (exc.value.stream, exc.value.event_number) == (stream, 7)

            # errors are per operation: the connection keeps working
            ev = await op(conn.get_event(stream, 1), "get_event after errors")
            assert (ev.event_number, ev.id) == (1, ids[1])

    run(body)


# ---------------------------------------------------------------------------- subscriptions


def test_volatile_subscription_gets_only_new_events_in_order(node):
    async def body():
        stream = new_stream("pp-volatile")
        async with client(node, name="subscriber") as sub_conn, client(node, name="writer") as writer:
            await write_numbered(writer, stream, 3, batch=3)  # history: not delivered

            sub = await op(sub_conn.subscribe_to(stream), "subscribe_to (volatile)")
            assert sub.first_event_number == 2, "SubscriptionConfirmation.last_event_number"

            new = [NewEvent("Live", id=uuid.uuid4(), data={"i": n}) for n in range(3, 8)]
            res = await op(writer.publish(stream, new[:3], expected_version=2), "append 3")
            assert_success(res, 3, 5, "append while subscribed")
            for k, event in enumerate(new[3:]):
                res = await op(writer.publish(stream, [event], expected_version=5 + k), "append 1")
                assert_success(res, 6 + k, 6 + k, "append while subscribed")

            got = await next_events(sub, 5, "volatile subscription")
            assert [e.event_number for e in got] == [3, 4, 5, 6, 7]
            assert [e.id for e in got] == [e.id for e in new]
            assert [e.stream for e in got] == [stream] * 5
            assert [e.type for e in got] == ["Live"] * 5
            assert [e.json() for e in got] == [{"i": n} for n in range(3, 8)]
            positions = [e.position for e in got]
            assert all(a < b for a, b in zip(positions, positions[1:])), positions

            await assert_no_more_events(sub, "volatile subscription")
            await assert_ends_after_unsubscribe(sub, "volatile subscription")

    run(body)


def test_volatile_subscription_to_new_stream(node):
    async def body():
        stream = new_stream("pp-volatile-new")
        async with client(node) as sub_conn, client(node) as writer:
            sub = await op(sub_conn.subscribe_to(stream), "subscribe_to missing stream")
            assert sub.first_event_number == -1, "SubscriptionConfirmation.last_event_number"
            ids = await write_numbered(writer, stream, 4, batch=2)
            got = await next_events(sub, 4, "subscription to a new stream")
            assert_numbered(got, stream, ids, range(4))
            await assert_ends_after_unsubscribe(sub, "subscription to a new stream")

    run(body)


def test_volatile_subscription_to_all_as_admin(node):
    async def body():
        stream = new_stream("pp-volatile-all")
        async with client(node, ADMIN) as sub_conn, client(node) as writer:
            sub = await op(sub_conn.subscribe_to("", resolve_link_tos=False), "subscribe_to $all")
            ids = await write_numbered(writer, stream, 3, batch=1)
            mine = []
            while len(mine) < 3:
                ev = await op(sub.events.anext(), "$all subscription event")
                assert ev.position is not None
                if ev.stream == stream:
                    mine.append(ev)
            assert_numbered(mine, stream, ids, range(3))
            await assert_ends_after_unsubscribe(sub, "$all subscription", skip_pending=True)

    run(body)


def test_volatile_subscription_to_all_denied_to_anonymous(node):
    async def body():
        async with client(node) as conn:
            with pytest.raises(ppx.SubscriptionCreationFailed) as exc:
                await op(conn.subscribe_to(""), "anonymous subscribe_to $all")
            assert exc.value.message == SubscriptionDropReason.AccessDenied

    run(body)


def test_catch_up_subscription_delivers_history_then_live_exactly_once(node):
    async def body():
        stream = new_stream("pp-catchup")
        async with client(node, name="subscriber") as sub_conn, client(node, name="writer") as writer:
            history = await write_numbered(writer, stream, 30, batch=10)

            sub = await op(
                sub_conn.subscribe_to(stream, start_from=0, batch_size=7), "catch-up subscribe_to"
            )

            async def write_live():
                ids = []
                for n in range(30, 50):
                    eid = uuid.uuid4()
                    res = await op(
                        writer.publish_event(stream, "Numbered", body={"i": n}, id=eid,
                                             expected_version=n - 1),
                        f"live append {n}",
                    )
                    assert_success(res, n, n, f"live append {n}")
                    ids.append(eid)
                    await asyncio.sleep(0.005)
                return ids

            # The live writes race with photonpump's history paging, its subscribe and its
            # gap-closing read; every event must still arrive exactly once, in order.
            got, live = await asyncio.gather(
                next_events(sub, 50, "catch-up subscription"), write_live()
            )

            assert_numbered(got, stream, history + live, range(50))
            await assert_no_more_events(sub, "catch-up subscription")
            await assert_ends_after_unsubscribe(sub, "catch-up subscription")

    run(body)


def test_catch_up_subscription_from_the_middle_then_live(node):
    async def body():
        stream = new_stream("pp-catchup-mid")
        async with client(node) as sub_conn, client(node) as writer:
            ids = await write_numbered(writer, stream, 50, batch=25)
            sub = await op(sub_conn.subscribe_to(stream, start_from=45), "catch-up from 45")
            got = await next_events(sub, 5, "catch-up from 45 (history)")
            await asyncio.sleep(0.3)  # let photonpump finish its gap-closing read: live phase
            ids += await write_numbered(writer, stream, 2, batch=1, start=50)
            got += await next_events(sub, 2, "catch-up from 45 (live)")
            assert_numbered(got, stream, ids, range(45, 52))
            await assert_no_more_events(sub, "catch-up from 45")

    run(body)


# -------------------------------------------------------------------- persistent subscriptions


def test_persistent_subscription_competing_consumers_with_acks(node):
    """photonpump's create_subscription / connect_subscription / ack against the node: history
    from start_from=0, then live events; two consumers of one group share the events."""

    async def body():
        stream = new_stream("pp-persistent")
        async with client(node, ADMIN, name="manager") as manager, \
                client(node, ADMIN, name="consumer-1") as c1, \
                client(node, ADMIN, name="consumer-2") as c2:
            ids = await write_numbered(manager, stream, 4, batch=4)
            await op(manager.create_subscription("workers", stream, start_from=0), "create_subscription")
            with pytest.raises(ppx.SubscriptionCreationFailed):
                await op(manager.create_subscription("workers", stream), "create_subscription again")

            first = await op(c1.connect_subscription("workers", stream), "connect_subscription 1")
            assert first.name == f"{stream}::workers", "the confirmation's subscription id"
            history = await next_events(first, 4, "persistent subscription (history)")
            assert_numbered(history, stream, ids, range(4))
            for event in history:
                await first.ack(event)

            second = await op(c2.connect_subscription("workers", stream), "connect_subscription 2")
            ids += await write_numbered(manager, stream, 6, batch=1, start=4)
            got = {}

            async def take(sub, what):
                while sum(len(v) for v in got.values()) < 6:
                    try:
                        event = await asyncio.wait_for(sub.events.anext(), 0.5)
                    except asyncio.TimeoutError:
                        continue
                    got.setdefault(what, []).append(event)
                    await sub.ack(event)

            await op(asyncio.gather(take(first, "first"), take(second, "second")), "live events to two consumers")
            numbers = sorted(e.event_number for events in got.values() for e in events)
            assert numbers == list(range(4, 10)), f"each live event exactly once: {numbers}"
            assert set(got) == {"first", "second"}, f"round robin used both consumers: {got.keys()}"

    run(body)


# -------------------------------------------------------------------------- access control


def test_settings_acl_denies_anonymous_writes(fresh_node):
    node = fresh_node()

    async def body():
        before = new_stream("pp-acl-before")
        async with client(node) as anon:
            res = await op(anon.publish_event(before, "Anon", body={"ok": True}), "anonymous write")
            assert_success(res, 0, 0, "anonymous write on a fresh node")
            ev = await op(anon.get_event(before, 0), "anonymous read")
            assert ev.json() == {"ok": True}

        async with client(node, ADMIN) as admin:
            res = await op(
                admin.publish_event("$settings", "$settings", body=SETTINGS_ADMINS_ONLY,
                                    expected_version=ExpectedVersion.Any),
                "write $settings",
            )
            assert res.result == OperationResult.Success, OperationResult(res.result).name

        # The real server applies $settings asynchronously; allow it a moment to take effect.
        deadline = asyncio.get_running_loop().time() + 5
        while True:
            probe = new_stream("pp-acl-probe")
            try:
                async with client(node) as anon:
                    res = await op(anon.publish_event(probe, "Anon", body={}), "anonymous probe")
            except ppx.AccessDenied:
                break
            assert asyncio.get_running_loop().time() < deadline, (
                f"anonymous writes still allowed 5s after $settings "
                f"({OperationResult(res.result).name})"
            )
            await asyncio.sleep(0.1)

        await write_denied(node, None, new_stream("pp-acl-anon"), "anonymous write after $settings")
        await write_denied(node, OPS, new_stream("pp-acl-ops"), "ops (not $admins) write")

        async with client(node) as anon:
            with pytest.raises(ppx.AccessDenied):
                await op(anon.get(before), "anonymous read after $settings")

        async with client(node, ADMIN) as admin:
            stream = new_stream("pp-acl-admin")
            res = await op(admin.publish_event(stream, "Admin", body={"a": 1}), "admin write")
            assert_success(res, 0, 0, "admin write after $settings")
            page = await op(admin.get(before), "admin read after $settings")
            assert [e.json() for e in page] == [{"ok": True}]

    run(body)


def test_deny_anonymous_and_extra_users(fresh_node):
    node = fresh_node(
        "--deny-anonymous", "--user", "bob:s3cret", "--user", "carol:pw:$admins"
    )
    bob = ("bob", "s3cret")
    carol = ("carol", "pw")

    async def body():
        stream = new_stream("pp-users")
        await write_denied(node, None, stream, "anonymous write with --deny-anonymous")

        async with client(node, bob) as conn:
            eid = uuid.uuid4()
            res = await op(conn.publish_event(stream, "ByBob", body={"u": "bob"}, id=eid), "bob write")
            assert_success(res, 0, 0, "write by extra user bob")
            ev = await op(conn.get_event(stream, 0), "bob read")
            assert (ev.id, ev.json()) == (eid, {"u": "bob"})
            with pytest.raises(ppx.AccessDenied):
                await collect(conn.iter_all(), "bob ($all needs $admins) iter_all")

        async with client(node, bob) as conn:
            # UnsubscribeFromStream is sent by photonpump WITHOUT credentials.
            sub = await op(conn.subscribe_to(stream), "bob subscribe")
            await assert_ends_after_unsubscribe(sub, "bob's subscription")

        async with client(node) as anon:
            with pytest.raises(ppx.AccessDenied):
                await op(anon.get(stream), "anonymous read with --deny-anonymous")

        for creds, what in ((("bob", "wrong"), "wrong password"), (("nobody", "x"), "unknown user")):
            async with client(node, creds) as conn:
                with pytest.raises(ppx.NotAuthenticated):
                    await op(conn.publish_event(stream, "Bad", body={}), what)

        async with client(node, carol) as conn:
            everything = await collect(
                conn.iter_all(batch_size=50, resolve_links=False), "carol ($admins) iter_all"
            )
            assert [e.id for e in everything if e.stream == stream] == [eid]

        async with client(node, ADMIN) as conn:
            res = await op(conn.publish_event(stream, "ByAdmin", body={}, expected_version=0), "admin")
            assert_success(res, 1, 1, "default admin still works next to --user")

    run(body)
