"""photon-pump's side of the issue-6 benchmarks (Benchmarks/run drives it; one JSON object on stdout).

  pp_bench.py append  --port P --mode c1|c64|batch100 --seconds S [--warmup W]
  pp_bench.py read    --port P --target stream|all [--stream NAME] [--count N] [--max-seconds S]
  pp_bench.py latency --port P [--rate 1000] [--events N] [--skip N]

The same work as ESBench's subcommands of the same names: 200-byte JSON events, expected version
any, one connection (two for latency: subscriber and writer), 4096-event read pages, no link
resolution. Connection idioms follow Tests/Interop/test_photonpump.py.
"""

import argparse
import asyncio
import contextlib
import json
import pathlib
import sys
import time
import uuid

import photonpump
from photonpump import messages as msg

# close_client's workaround for photonpump's close() hang lives beside the interop tests.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Interop"))
from photonpump_close import close_client  # noqa: E402

EVENT_BYTES = 200


def body(index):
    """A dict whose json.dumps (photon-pump's encoding) is EVENT_BYTES long, carrying `index`."""
    head = len(json.dumps({"i": index, "pad": ""}))
    return {"i": index, "pad": "x" * max(EVENT_BYTES - head, 0)}


@contextlib.asynccontextmanager
async def client(port, name):
    conn = photonpump.connect(host="127.0.0.1", port=port, username="admin", password="changeit", name=name)
    connected = asyncio.get_running_loop().create_future()
    conn.connector.connected.append(lambda *_: connected.done() or connected.set_result(True))
    await conn.connect()
    try:
        await asyncio.wait_for(connected, 10)
        yield conn
    finally:
        await close_client(conn, 10)


async def append(args):
    writers, batch = {"c1": (1, 1), "c64": (64, 1), "batch100": (1, 100)}[args.mode]
    stream = f"appendbenchpp{args.mode}{uuid.uuid4().hex[:8]}"
    begin = time.monotonic()
    measure_from = begin + args.warmup
    measure_until = measure_from + args.seconds

    async with client(args.port, "pp-append") as conn:
        async def writer(offset):
            acknowledged = 0
            index = offset * 1_000_000
            while True:
                sent = time.monotonic()
                if sent >= measure_until:
                    return acknowledged
                if batch == 1:
                    await conn.publish_event(stream, "BenchEvent", body=body(index))
                else:
                    events = [photonpump.NewEvent("BenchEvent", data=body(index + k)) for k in range(batch)]
                    await conn.publish(stream, events)
                index += batch
                if sent >= measure_from and time.monotonic() <= measure_until:
                    acknowledged += batch

        counts = await asyncio.gather(*(writer(w) for w in range(writers)))
    counted = sum(counts)
    return {"mode": args.mode, "events_s": counted / args.seconds, "events": counted}


async def read(args):
    async with client(args.port, "pp-read") as conn:
        if args.target == "all":
            source = conn.iter_all(batch_size=4096, resolve_links=False)
        else:
            source = conn.iter(args.stream, batch_size=4096, resolve_links=False)
        events = 0
        data_bytes = 0
        start = time.monotonic()
        async for event in source:
            events += 1
            data_bytes += len(event.data)
            if events >= args.count or (events % 4096 == 0 and time.monotonic() - start > args.max_seconds):
                break
        elapsed = time.monotonic() - start
    return {"target": args.target, "events": events, "seconds": elapsed, "events_s": events / elapsed,
            "data_bytes": data_bytes}


async def latency(args):
    stream = f"latencypp{uuid.uuid4().hex[:8]}"
    sent = [0] * args.events
    latencies = []
    async with client(args.port, "pp-subscriber") as sub_conn, client(args.port, "pp-writer") as writer_conn:
        subscription = await sub_conn.subscribe_to(stream, resolve_link_tos=False)

        async def receive():
            received = 0
            async for event in subscription.events:
                arrived = time.perf_counter_ns()
                index = json.loads(event.data)["i"]
                received += 1
                if index >= args.skip:
                    latencies.append((arrived - sent[index]) / 1000)
                if received == args.events:
                    return

        receiver = asyncio.ensure_future(receive())
        interval = 1.0 / args.rate
        loop = asyncio.get_running_loop()
        start = loop.time()
        pending = set()
        for index in range(args.events):
            delay = start + index * interval - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            sent[index] = time.perf_counter_ns()
            task = asyncio.ensure_future(writer_conn.publish_event(stream, "BenchEvent", body=body(index)))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.wait_for(receiver, 30)
        if pending:
            await asyncio.wait(pending, timeout=10)
        await subscription.unsubscribe()
    latencies.sort()

    def quantile(q):
        rank = max(int(-(-q * len(latencies) // 1)) - 1, 0)
        return latencies[min(rank, len(latencies) - 1)]

    return {"events": len(latencies), "rate": args.rate, "p50": quantile(0.5), "p99": quantile(0.99),
            "p999": quantile(0.999), "max": latencies[-1]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["append", "read", "latency"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", default="c1")
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--target", default="stream")
    parser.add_argument("--stream", default="readbench")
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--max-seconds", type=float, default=30)
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--skip", type=int, default=500)
    args = parser.parse_args()
    result = asyncio.run({"append": append, "read": read, "latency": latency}[args.command](args))
    json.dump(result, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
