"""photonpump as a command-line tool, for the cross-protocol tests of Tests/InteropGRPC (which run in
another venv): prints JSON on stdout.

  python tcp_tool.py HOST PORT append STREAM '[{"id": ..., "type": ..., "data": {...}, "metadata": {...}}]'
  python tcp_tool.py HOST PORT read STREAM        -> [{"id", "type", "data", "metadata", "number", "commit_position"}]
"""

import asyncio
import json
import os
import sys
import uuid
from types import SimpleNamespace

os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")

from test_photonpump import ADMIN, client, collect, op  # noqa: E402  (the suite's connect/close handling)

async def main(host: str, port: int, command: str, stream: str, *rest: str) -> object:
    async with client(SimpleNamespace(tcp_host=host, tcp_port=port), ADMIN) as conn:
        if command == "append":
            for event in json.loads(rest[0]):
                await op(conn.publish_event(
                    stream, event["type"], body=event["data"], id=uuid.UUID(event["id"]),
                    metadata=event.get("metadata")), "publish_event")
            return {"appended": len(json.loads(rest[0]))}
        if command == "read":
            events = await op(conn.get(stream, max_count=1000), "get")
            # Stream reads carry no log positions over TCP; `$all` reads do.
            positions = {str(e.id): e.position.commit
                         for e in await collect(conn.iter_all(resolve_links=False), "iter_all") if e.stream == stream}
            return [{
                "id": str(e.id), "type": e.type, "data": e.json(),
                "metadata": json.loads(e.metadata) if e.metadata else None,
                "number": e.event_number, "commit_position": positions.get(str(e.id)),
            } for e in events]
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    host, port, *args = sys.argv[1:]
    print(json.dumps(asyncio.run(main(host, int(port), *args))))
