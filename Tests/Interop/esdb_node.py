"""Starts `esdb node` as a subprocess for the interop suites (photonpump in Tests/Interop,
kurrentdbclient in Tests/InteropGRPC) and parses its ready line.

Environment:
  ESDB_BIN              node binary (default .build/debug/esdb, relative to the repo root)
  ESDB_INTEROP_STARTUP  seconds to wait for the ready line (default 20)
"""

import os
import queue
import re
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_RE = re.compile(
    r"^esdb node ready tcp=(?P<tcp_host>[^\s:]+):(?P<tcp_port>\d+)"
    r" http=(?P<http_host>[^\s:]+):(?P<http_port>\d+)(?: grpc=(?P<grpc>\S+))? db=(?P<db>\S+)"
    r"(?P<tls> tls=on)?(?: ca=(?P<ca>\S+))?\s*$"
)
STARTUP_TIMEOUT = float(os.environ.get("ESDB_INTEROP_STARTUP", "20"))
STOP_TIMEOUT = 10.0

def esdb_bin() -> Path:
    raw = os.environ.get("ESDB_BIN", ".build/debug/esdb")
    path = Path(raw)
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


@dataclass
class Node:
    """A running `esdb node` subprocess and the endpoints from its ready line."""

    proc: subprocess.Popen
    args: List[str]
    tcp_host: str
    tcp_port: int
    http_host: str
    http_port: int
    db: str
    stderr_file: "tempfile._TemporaryFileWrapper"
    stdout_lines: List[str] = field(default_factory=list)
    grpc: Optional[str] = None  # the gRPC connection string from the ready line
    tls: bool = False
    ca: Optional[str] = None  # the development CA (with --dev)

    def stderr_text(self) -> str:
        try:
            self.stderr_file.flush()
            with open(self.stderr_file.name, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self) -> None:
        _terminate(self.proc)
        self.stderr_file.close()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    # The node runs in its own session (start_new_session), so its process-group id is its pid;
    # signalling the group also reaches anything it spawned (e.g. a wrapper script's child).
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _terminate(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if the node is still running after STOP_TIMEOUT seconds."""
    if proc.poll() is not None:
        return
    _signal_group(proc, signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_TIMEOUT)
        return
    except subprocess.TimeoutExpired:
        pass
    _signal_group(proc, signal.SIGKILL)
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pass


def _tail(text: str, limit: int = 4000) -> str:
    text = text.strip()
    if not text:
        return "(empty)"
    return text if len(text) <= limit else "...\n" + text[-limit:]


def start_node(extra_args: Optional[List[str]] = None) -> Node:
    binary = esdb_bin()
    if not binary.is_file():
        pytest.fail(
            f"esdb binary not found at {binary} "
            f"(ESDB_BIN={os.environ.get('ESDB_BIN', '<unset>')}; default .build/debug/esdb under "
            f"{REPO_ROOT}). Build it with `swift build --product esdb` or set ESDB_BIN.",
            pytrace=False,
        )
    if not os.access(binary, os.X_OK):
        pytest.fail(f"esdb binary at {binary} is not executable", pytrace=False)

    args = [
        str(binary), "node", "--mem", "--bind", "127.0.0.1",
        "--tcp-port", "0", "--http-port", "0",
        *(extra_args or []),
    ]
    stderr_file = tempfile.NamedTemporaryFile(prefix="esdb-node-", suffix=".stderr", delete=True)
    proc = subprocess.Popen(
        args,
        cwd=str(REPO_ROOT),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr_file,
        text=True,
        bufsize=1,
        start_new_session=True,
    )

    # A thread drains stdout for the node's whole life (so the pipe never fills) and hands
    # lines to us until we have seen the ready line.
    lines: "queue.Queue[Optional[str]]" = queue.Queue()
    seen: List[str] = []

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line.rstrip("\n"))
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, name="esdb-node-stdout", daemon=True).start()

    def failure(reason: str) -> None:
        if proc.poll() is None:
            _signal_group(proc, signal.SIGKILL)
        _terminate(proc)
        stderr_file.flush()
        with open(stderr_file.name, "r", errors="replace") as f:
            err = f.read()
        stderr_file.close()
        pytest.fail(
            f"{reason}\ncommand: {' '.join(args)}\n"
            f"--- stdout ---\n{_tail(chr(10).join(seen))}\n--- stderr ---\n{_tail(err)}",
            pytrace=False,
        )

    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            failure(f"esdb node printed no ready line within {STARTUP_TIMEOUT:.0f}s")
        try:
            line = lines.get(timeout=min(remaining, 0.2))
        except queue.Empty:
            if proc.poll() is not None:
                # stdout may still be draining; give the pump thread a moment.
                try:
                    line = lines.get(timeout=1.0)
                except queue.Empty:
                    failure(f"esdb node exited early with status {proc.returncode} (no ready line)")
            else:
                continue
        if line is None:
            try:
                status = proc.wait(timeout=2)
                failure(f"esdb node exited early with status {status} (no ready line)")
            except subprocess.TimeoutExpired:
                failure("esdb node closed its stdout before printing the ready line")
        m = READY_RE.match(line.rstrip("\n"))
        if m:
            return Node(
                proc=proc,
                args=args,
                tcp_host=m["tcp_host"],
                tcp_port=int(m["tcp_port"]),
                http_host=m["http_host"],
                http_port=int(m["http_port"]),
                db=m["db"],
                stderr_file=stderr_file,
                stdout_lines=seen,
                grpc=m["grpc"],
                tls=m["tls"] is not None,
                ca=m["ca"],
            )


class NodeFactory:
    def __init__(self) -> None:
        self.nodes: List[Node] = []

    def __call__(self, *extra_args: str) -> Node:
        node = start_node(list(extra_args))
        self.nodes.append(node)
        return node

    def stop_all(self) -> None:
        for node in reversed(self.nodes):
            node.stop()
        self.nodes.clear()


def _check_node_alive(node: Node) -> None:
    if node.proc.poll() is not None:
        pytest.fail(
            f"esdb node died (status {node.proc.returncode})\n--- stderr ---\n"
            f"{_tail(node.stderr_text())}",
            pytrace=False,
        )


# Fixture bodies shared by both suites' conftest.py: a fixture there is `yield from` one of these.


def serve_node(extra_args: Optional[List[str]] = None):
    """Body of a shared-node fixture: yields a node started with `extra_args`, stopped when the
    fixture's scope ends."""
    n = start_node(extra_args)
    yield n
    n.stop()


def serve_factory():
    """Body of a `fresh_node` fixture: yields a NodeFactory whose nodes are stopped after the test."""
    factory = NodeFactory()
    yield factory
    factory.stop_all()


def watch_nodes(request, names):
    """Body of an autouse fixture: report a crashed shared node (with its stderr) instead of a
    timeout — after the test that killed it, and at once for every later test. `names` are the
    shared-node fixtures to watch, among those the test uses."""
    shared = [request.getfixturevalue(name) for name in names if name in request.fixturenames]
    for n in shared:
        _check_node_alive(n)
    yield
    for n in shared:
        _check_node_alive(n)
