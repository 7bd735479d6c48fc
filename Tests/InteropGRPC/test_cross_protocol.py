"""One engine, two doors: photonpump (TCP, run in its own venv as a subprocess) writes and
kurrentdbclient (gRPC) reads and subscribes, and the other way round, with identical ids, types,
data, metadata, numbers and positions."""

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from kurrentdbclient import NewEvent, StreamState

from conftest import grpc_client, unique

TOOL = Path(__file__).resolve().parents[1] / "Interop" / "tcp_tool.py"


def photonpump(node, *args):
    python = os.environ.get("ESDB_PHOTONPUMP_PYTHON")
    if not python:
        pytest.fail("ESDB_PHOTONPUMP_PYTHON is not set: run these tests with Tests/InteropGRPC/run.sh", pytrace=False)
    done = subprocess.run([python, str(TOOL), node.tcp_host, str(node.tcp_port), *args],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": "python"})
    assert done.returncode == 0, f"tcp_tool {args} failed ({done.returncode}): {done.stderr}"
    return json.loads(done.stdout)


@pytest.fixture
def client(insecure_node):
    c = grpc_client(insecure_node)
    yield c
    c.close()


def test_photonpump_writes_kurrentdbclient_reads_and_subscribes(insecure_node, client):
    node = insecure_node
    stream = unique("tcp2grpc")
    ids = [str(uuid.uuid4()) for _ in range(3)]
    photonpump(node, "append", stream, json.dumps([
        {"id": ids[i], "type": f"FromTCP{i}", "data": {"i": i}, "metadata": {"by": "photonpump"}} for i in range(3)]))
    tcp_view = photonpump(node, "read", stream)
    events = client.get_stream(stream)
    assert [str(e.id) for e in events] == ids
    assert [e.type for e in events] == ["FromTCP0", "FromTCP1", "FromTCP2"]
    assert [json.loads(e.data) for e in events] == [{"i": i} for i in range(3)]
    assert [json.loads(e.metadata) for e in events] == [{"by": "photonpump"}] * 3
    assert [e.stream_position for e in events] == [0, 1, 2]
    assert [e.commit_position for e in events] == [t["commit_position"] for t in tcp_view]
    subscription = client.subscribe_to_stream(stream, timeout=30)
    try:
        seen = [str(next(iter(subscription)).id) for _ in range(3)]
    finally:
        subscription.stop()
    assert seen == ids


def test_kurrentdbclient_writes_photonpump_reads(insecure_node, client):
    node = insecure_node
    stream = unique("grpc2tcp")
    events = [NewEvent(type=f"FromGRPC{i}", data=json.dumps({"i": i}).encode(),
                       metadata=json.dumps({"by": "kurrentdbclient"}).encode()) for i in range(3)]
    client.append_to_stream(stream, events=events, current_version=StreamState.NO_STREAM)
    grpc_view = client.get_stream(stream)
    tcp_view = photonpump(node, "read", stream)
    assert [t["id"] for t in tcp_view] == [str(e.id) for e in events]
    assert [t["type"] for t in tcp_view] == ["FromGRPC0", "FromGRPC1", "FromGRPC2"]
    assert [t["data"] for t in tcp_view] == [{"i": i} for i in range(3)]
    assert [t["metadata"] for t in tcp_view] == [{"by": "kurrentdbclient"}] * 3
    assert [t["number"] for t in tcp_view] == [0, 1, 2]
    assert [t["commit_position"] for t in tcp_view] == [e.commit_position for e in grpc_view]
