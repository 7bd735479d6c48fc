"""Closing a photonpump client without its 120 s hang (shared by the interop tests and
Benchmarks/photonpump/pp_bench.py).

photonpump's heartbeat loop awaits asyncio.wait_for(response_future, 10). On Python 3.11 a cancel
that lands just after the HeartbeatResponse completed that future is swallowed by wait_for, the
loop goes on to sleep 30 s, and Client.close() (which gathers the loop) then hangs for up to
120 s. close_client cancels that task until it is really done before closing.
"""

import asyncio


async def close_client(conn, timeout):
    """Closes `conn`, giving up on close() after `timeout` seconds."""
    protocol = conn.connector.active_protocol
    heartbeat = getattr(protocol, "heartbeat_loop", None)
    for _ in range(100):
        if heartbeat is None or heartbeat.done():
            break
        heartbeat.cancel()
        await asyncio.wait([heartbeat], timeout=0.05)
    try:
        await asyncio.wait_for(conn.close(), timeout)
    except asyncio.TimeoutError:
        pass
