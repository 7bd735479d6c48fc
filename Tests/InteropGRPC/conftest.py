"""Fixtures for the kurrentdbclient (gRPC) interop tests: start our `esdb node` and point a stock
kurrentdbclient at its HTTP port. The node launcher is shared with the photonpump suite
(Tests/Interop/esdb_node.py).

kurrentdbclient sends credentials only over TLS (with `Tls=false` every call is anonymous), so the
shared node runs `--insecure` (`kdb://host:port?Tls=false`), and tests of accounts and ACLs use a
`--dev` node (`kdb://admin:changeit@localhost:port`, trusting the node's development CA)."""

import sys
import uuid
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).resolve().parents[1] / "Interop"))

from esdb_node import serve_factory, serve_node, watch_nodes  # noqa: E402

from kurrentdbclient import KurrentDBClient  # noqa: E402


def grpc_client(node, credentials: str = "admin:changeit@", **options) -> KurrentDBClient:
    """A kurrentdbclient for `node`'s HTTP port, as a user would write its connection string
    (`credentials` is "login:password@" or "")."""
    if node.tls:
        with open(node.ca) as ca:
            return KurrentDBClient(uri=f"kdb://{credentials}localhost:{node.http_port}", root_certificates=ca.read(), **options)
    return KurrentDBClient(uri=f"kdb://{node.http_host}:{node.http_port}?Tls=false", **options)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session", params=["--insecure", "--dev"])
def node(request):
    """An in-memory node shared by tests that write their own streams; every such test runs twice,
    against `esdb node --insecure` (`kdb://host:port?Tls=false`) and `esdb node --dev`
    (`kdb://admin:changeit@localhost:port`, trusting the node's CA)."""
    yield from serve_node([request.param])


@pytest.fixture(scope="session")
def insecure_node():
    """An in-memory `--insecure` node: its TCP port is cleartext too, for photonpump."""
    yield from serve_node(["--insecure"])


@pytest.fixture(scope="session")
def secure_node():
    """One in-memory `--dev` node (TLS, accounts and ACLs) shared by tests of authentication."""
    yield from serve_node(["--dev"])


@pytest.fixture
def fresh_node():
    """Factory for private nodes: `fresh_node("--insecure")`, `fresh_node("--dev")`."""
    yield from serve_factory()


@pytest.fixture
def client(node):
    c = grpc_client(node)
    yield c
    c.close()


@pytest.fixture(autouse=True)
def _node_still_running(request):
    """Report a crashed shared node (with its stderr) instead of a timeout."""
    yield from watch_nodes(request, ("node", "insecure_node", "secure_node"))
