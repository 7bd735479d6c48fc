"""Fixtures for the photonpump interop tests: start our `esdb node` and point photonpump at it.

Environment:
  ESDB_BIN                  node binary (default .build/debug/esdb, relative to the repo root)
  ESDB_INTEROP_TIMEOUT      seconds per photonpump operation (default 10)
  ESDB_INTEROP_STARTUP      seconds to wait for the ready line (default 20)
  ESDB_INTEROP_STRICT_PROTO 1 (default) = fail a reply whose proto2 required fields are missing;
                            0 = accept what photonpump itself accepts (see _install_strict_parsing)
"""

import os
import sys

# protobuf >= 4 only loads photonpump's old generated module in pure-Python mode. The pinned
# protobuf 3.20.3 does not need this, but it keeps the suite importable if the pin is ever raised.
# Must happen before anything imports google.protobuf.
os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")

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
    r" http=(?P<http_host>[^\s:]+):(?P<http_port>\d+)(?: grpc=\S+)? db=(?P<db>\S+)(?: .*)?$"
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


@pytest.fixture(scope="session")
def node():
    """One in-memory node shared by the tests that do not change global settings.

    Every test writes to its own uniquely named streams."""
    n = start_node()
    yield n
    n.stop()


@pytest.fixture
def fresh_node():
    """Factory for private nodes (for ACL / user tests): `fresh_node("--deny-anonymous")`."""
    factory = NodeFactory()
    yield factory
    factory.stop_all()


@pytest.fixture(autouse=True)
def _node_still_running(request):
    """Report a crashed shared node (with its stderr) instead of a timeout: after the test that
    killed it, and at once for every later test."""
    shared = request.getfixturevalue("node") if "node" in request.fixturenames else None
    if shared is not None:
        _check_node_alive(shared)
    yield
    if shared is not None:
        _check_node_alive(shared)


# ---------------------------------------------------------------------------------------------
# Strict proto2 parsing (our own check, on top of photonpump).
#
# photonpump's messages are proto2 with many `required` fields, but the pure-Python protobuf
# runtime (the only one that loads photonpump's generated module) never enforces them, so a
# node that omits required fields (proto3-style "skip default values") would still pass
# photonpump. docs/protocol.md §7 item 11 asks the node to emit all required fields; the
# C++-backed protobuf 3.x runtime that many photonpump deployments used rejects such replies.
# With ESDB_INTEROP_STRICT_PROTO=1 (default) every reply photonpump parses is checked: the
# top-level required fields always, nested ones (events) only when the reply is a success, since
# real EventStore servers send an empty `event` sub-message on non-success ReadEvent results.
# A violation raises inside photonpump's parse and surfaces as photonpump.exceptions.
# PayloadUnreadable naming the missing fields.
# ---------------------------------------------------------------------------------------------


def _parsing_for_persistent_subscription() -> bool:
    """Whether photonpump's ConnectPersistentSubscription conversation is the one parsing."""
    frame = sys._getframe(2)
    while frame is not None:
        conversation = frame.f_locals.get("self")
        if type(conversation).__name__ == "ConnectPersistentSubscription":
            return True
        if frame.f_code.co_name == "respond_to":
            return False
        frame = frame.f_back
    return False


def _install_strict_parsing() -> None:
    from google.protobuf.message import DecodeError
    from photonpump import messages_pb2

    reply_types = [
        "WriteEventsCompleted", "ReadEventCompleted", "ReadStreamEventsCompleted",
        "ReadAllEventsCompleted", "SubscriptionConfirmation", "StreamEventAppeared",
        "SubscriptionDropped", "NotHandled",
    ]

    def is_required(f) -> bool:
        flag = getattr(f, "is_required", None)  # protobuf >= 5 spelling; `label` is gone in 7.x
        return bool(flag) if flag is not None else f.label == f.LABEL_REQUIRED

    def top_level_missing(msg) -> List[str]:
        return [f.name for f in msg.DESCRIPTOR.fields if is_required(f) and not msg.HasField(f.name)]

    for name in reply_types:
        cls = getattr(messages_pb2, name)
        original = cls.ParseFromString
        if getattr(original, "_esdb_strict", False):
            continue

        def strict_parse(self, data, _original=original, _name=name):
            n = _original(self, data)
            if _name == "StreamEventAppeared" and _parsing_for_persistent_subscription():
                # photonpump decodes 0xC7 PersistentSubscriptionStreamEventAppeared with the
                # StreamEventAppeared schema (docs/protocol.md §6); check it as what it is.
                actual = messages_pb2.PersistentSubscriptionStreamEventAppeared()
                actual.ParseFromString(data)
                missing = actual.FindInitializationErrors()
                if missing:
                    raise DecodeError(f"PersistentSubscriptionStreamEventAppeared from the node lacks {missing}")
                return n
            missing = top_level_missing(self)
            result_field = self.DESCRIPTOR.fields_by_name.get("result")
            success = result_field is None or getattr(self, "result") == 0
            if not missing and success:
                missing = self.FindInitializationErrors()
            if missing:
                raise DecodeError(
                    f"{_name} from the node lacks proto2 required field(s) {missing} "
                    "(strict check of Tests/Interop/conftest.py; ESDB_INTEROP_STRICT_PROTO=0 "
                    "disables it)"
                )
            return n

        strict_parse._esdb_strict = True
        cls.ParseFromString = strict_parse


if os.environ.get("ESDB_INTEROP_STRICT_PROTO", "1") not in ("0", "", "false", "no"):
    _install_strict_parsing()
