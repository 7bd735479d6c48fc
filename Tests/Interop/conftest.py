"""Fixtures for the photonpump interop tests: start our `esdb node` (esdb_node.py) and point photonpump at it.

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

from typing import List

import pytest

from esdb_node import esdb_bin, serve_factory, serve_node, watch_nodes  # noqa: F401  (esdb_bin: used by tests)


@pytest.fixture(scope="session")
def node():
    """One in-memory node shared by the tests that do not change global settings.

    Every test writes to its own uniquely named streams."""
    yield from serve_node()


@pytest.fixture
def fresh_node():
    """Factory for private nodes (for ACL / user tests): `fresh_node("--deny-anonymous")`."""
    yield from serve_factory()


@pytest.fixture(autouse=True)
def _node_still_running(request):
    """Report a crashed shared node (with its stderr) instead of a timeout: after the test that
    killed it, and at once for every later test."""
    yield from watch_nodes(request, ("node",))


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
