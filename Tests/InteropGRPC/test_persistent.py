"""kurrentdbclient's persistent subscriptions against our node: create, read with ack and nack
(park, retry, skip), list, info, replay of parked events, delete; on a stream and on `$all`."""

import json

from kurrentdbclient import NewEvent, StreamState

from conftest import unique


def new(type_: str, body: dict) -> NewEvent:
    return NewEvent(type=type_, data=json.dumps(body).encode())


def take(subscription, count):
    """The next `count` events of a persistent subscription (its own timeout bounds the wait)."""
    got = []
    for event in subscription:
        got.append(event)
        if len(got) == count:
            break
    return got


def test_stream_group_acks_and_nacks(client):
    stream, group = unique("jobs"), unique("workers")
    client.append_to_stream(stream, events=[new("Job", {"n": i}) for i in range(4)], current_version=StreamState.ANY)
    client.create_subscription_to_stream(group, stream, message_timeout=30)
    subscription = client.read_subscription_to_stream(group, stream, timeout=30)
    try:
        first = take(subscription, 4)
        assert [json.loads(e.data)["n"] for e in first] == [0, 1, 2, 3]
        assert all(e.retry_count == 0 for e in first)
        subscription.ack(first[0])
        subscription.nack(first[1], action="park")
        subscription.nack(first[2], action="retry")
        subscription.nack(first[3], action="skip")
        retried = take(subscription, 1)[0]
        assert retried.id == first[2].id
        assert retried.retry_count == 1
        subscription.ack(retried)
    finally:
        subscription.stop()

    info = client.get_subscription_info(group, stream_name=stream)
    assert info.group_name == group
    assert info.event_source == stream
    assert info.parked_message_count == 1
    assert group in [s.group_name for s in client.list_subscriptions_to_stream(stream)]
    assert group in [s.group_name for s in client.list_subscriptions()]

    # The parked event comes back when the parked messages are replayed.
    client.replay_parked_events(group, stream_name=stream)
    subscription = client.read_subscription_to_stream(group, stream, timeout=30)
    try:
        replayed = take(subscription, 1)[0]
        assert replayed.id == first[1].id
        subscription.ack(replayed)
    finally:
        subscription.stop()

    client.delete_subscription(group, stream_name=stream)
    assert group not in [s.group_name for s in client.list_subscriptions_to_stream(stream)]


def test_all_group_with_a_filter(client):
    prefix, group = unique("pall"), unique("allgroup")
    # kurrentdbclient sends `filter_include` as a regex: "^" + "|".join(patterns) + "$" (no prefix option for groups).
    client.create_subscription_to_all(group, filter_include=[prefix + "-.*"], filter_by_stream_name=True, from_end=True)
    wanted = []
    for i in range(3):
        event = new("Matched", {"i": i})
        wanted.append(event.id)
        client.append_to_stream(f"{prefix}-{i}", events=event, current_version=StreamState.ANY)
        client.append_to_stream(unique("other"), events=new("Unmatched", {}), current_version=StreamState.ANY)
    subscription = client.read_subscription_to_all(group, timeout=30)
    try:
        got = take(subscription, 3)
        for event in got:
            subscription.ack(event)
    finally:
        subscription.stop()
    assert [e.id for e in got] == wanted
    assert all(e.stream_name.startswith(prefix) for e in got)
    assert group in [s.group_name for s in client.list_subscriptions()]
    client.delete_subscription(group)
