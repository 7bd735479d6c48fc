"""The connection strings users type: `esdb node --insecure` with `kdb://host:port?Tls=false`, and
`esdb node --dev` with `kdb://admin:changeit@localhost:port` trusting the node's development CA."""

import json
import uuid

import pytest
from kurrentdbclient import KurrentDBClient, NewEvent, StreamState
from kurrentdbclient.exceptions import UnauthenticatedError

from conftest import grpc_client, unique


def roundtrip(client: KurrentDBClient, stream: str) -> None:
    event = NewEvent(type="Checked", data=json.dumps({"ok": True}).encode())
    client.append_to_stream(stream, events=event, current_version=StreamState.ANY)
    assert [e.id for e in client.get_stream(stream)] == [event.id]


def test_insecure_node_needs_no_credentials(fresh_node):
    node = fresh_node("--insecure")
    assert node.grpc == f"esdb://{node.http_host}:{node.http_port}?tls=false"
    client = KurrentDBClient(uri=f"kdb://localhost:{node.http_port}?Tls=false")
    try:
        roundtrip(client, "$system-like-" + uuid.uuid4().hex[:6])  # no ACLs: a $-stream too
        assert len(client.read_gossip()) == 1
    finally:
        client.close()


def test_dev_node_serves_tls_with_its_ca(fresh_node):
    node = fresh_node("--dev")
    assert node.tls and node.ca
    with open(node.ca) as ca:
        client = KurrentDBClient(uri=f"kdb://admin:changeit@localhost:{node.http_port}", root_certificates=ca.read())
    try:
        roundtrip(client, unique("dev"))
        members = client.read_gossip()
        assert [(m.state, m.port) for m in members] == [("NODE_STATE_LEADER", node.http_port)]
    finally:
        client.close()


def test_wrong_password_is_unauthenticated(secure_node):
    client = grpc_client(secure_node, credentials="admin:wrong@")
    try:
        with pytest.raises(UnauthenticatedError):
            client.get_stream(unique("any"))
    finally:
        client.close()
