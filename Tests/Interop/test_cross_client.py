"""Cross-client interop: events written by our Swift client (through `esdb --connect … -c …`) are
read back by photonpump with identical ids, types, data and metadata, and the other way round."""

import json
import subprocess
import uuid

import photonpump  # noqa: F401  (imported for parity with the photonpump suite's environment)

from conftest import esdb_bin
from test_photonpump import ADMIN, client, op, run


def esdb(node, *commands):
    """Runs `esdb --connect … --json -c …` against the node; returns its JSON lines."""
    args = [str(esdb_bin()), "--connect", f"tcp://admin:changeit@{node.tcp_host}:{node.tcp_port}", "--json"]
    for command in commands:
        args += ["-c", command]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"esdb {commands} failed ({done.returncode}): {done.stderr}"
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_swift_writes_photonpump_reads(node):
    stream = f"swift2py-{uuid.uuid4().hex[:8]}"
    ids = [str(uuid.uuid4()) for _ in range(3)]
    for i, event_id in enumerate(ids):
        esdb(node, f"append {stream} Written{i} '{{\"i\": {i}, \"text\": \"héllo\"}}' --id {event_id} --meta '{{\"by\": \"swift\"}}'")

    async def body():
        async with client(node, ADMIN) as conn:
            events = []
            for n in range(3):
                events.append(await op(conn.get_event(stream, n), f"get_event {n}"))
            assert [str(e.id) for e in events] == ids
            assert [e.type for e in events] == ["Written0", "Written1", "Written2"]
            assert [e.json() for e in events] == [{"i": i, "text": "héllo"} for i in range(3)]
            assert [json.loads(e.metadata) for e in events] == [{"by": "swift"}] * 3

    run(body)


def test_photonpump_writes_swift_reads(node):
    stream = f"py2swift-{uuid.uuid4().hex[:8]}"
    ids = [uuid.uuid4() for _ in range(3)]

    async def body():
        async with client(node, ADMIN) as conn:
            for i, event_id in enumerate(ids):
                await op(conn.publish_event(stream, f"FromPython{i}", body={"i": i}, id=event_id,
                                            metadata={"by": "python"}), "publish_event")

    run(body)
    events = esdb(node, f"read {stream} --count 10")
    assert [e["id"] for e in events] == [str(i) for i in ids]
    assert [e["type"] for e in events] == ["FromPython0", "FromPython1", "FromPython2"]
    assert [e["data"] for e in events] == [{"i": i} for i in range(3)]
    assert [e["metadata"] for e in events] == [{"by": "python"}] * 3
    assert [e["number"] for e in events] == [0, 1, 2]
