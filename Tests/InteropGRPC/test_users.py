"""The Users service, driven by grpcio stubs compiled at test time from our Protos/grpc/users.proto
(kurrentdbclient has no users API): accounts created over gRPC authenticate kurrentdbclient, and
disabled or deleted accounts no longer do."""

import base64
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import grpc
import pytest
from kurrentdbclient import NewEvent, StreamState
from kurrentdbclient.exceptions import UnauthenticatedError

from conftest import grpc_client, unique

PROTOS = Path(__file__).resolve().parents[2] / "Protos" / "grpc"


@pytest.fixture(scope="module")
def users_pb():
    out = tempfile.mkdtemp(prefix="esdb-users-pb-")
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTOS}", f"--python_out={out}",
                    f"--grpc_python_out={out}", "users.proto", "shared.proto"], check=True)
    sys.path.insert(0, out)
    import users_pb2, users_pb2_grpc  # noqa: E401
    return users_pb2, users_pb2_grpc


def basic(login, password):
    return (("authorization", "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()),)


def channel_to(node):
    with open(node.ca, "rb") as ca:
        return grpc.secure_channel(f"localhost:{node.http_port}", grpc.ssl_channel_credentials(root_certificates=ca.read()))


def works(node, login, password) -> bool:
    client = grpc_client(node, credentials=f"{login}:{password}@")
    try:
        client.append_to_stream(unique("u"), events=NewEvent(type="T", data=b"{}"), current_version=StreamState.ANY)
        return True
    except UnauthenticatedError:
        return False
    finally:
        client.close()


def test_user_lifecycle(secure_node, users_pb):
    node = secure_node
    pb, stubs = users_pb
    channel = channel_to(node)
    users = stubs.UsersStub(channel)
    admin = basic("admin", "changeit")
    login = unique("alice")
    users.Create(pb.CreateReq(options=pb.CreateReq.Options(
        login_name=login, password="s3cret", full_name="Alice", groups=["devs"])), metadata=admin, timeout=10)
    assert works(node, login, "s3cret")
    details = list(users.Details(pb.DetailsReq(options=pb.DetailsReq.Options(login_name=login)), metadata=admin, timeout=10))
    assert [(d.user_details.login_name, d.user_details.full_name, list(d.user_details.groups), d.user_details.disabled)
            for d in details] == [(login, "Alice", ["devs"], False)]
    users.ChangePassword(pb.ChangePasswordReq(options=pb.ChangePasswordReq.Options(
        login_name=login, current_password="s3cret", new_password="n3w")), metadata=basic(login, "s3cret"), timeout=10)
    assert not works(node, login, "s3cret")
    assert works(node, login, "n3w")
    users.Disable(pb.DisableReq(options=pb.DisableReq.Options(login_name=login)), metadata=admin, timeout=10)
    assert not works(node, login, "n3w")
    users.Enable(pb.EnableReq(options=pb.EnableReq.Options(login_name=login)), metadata=admin, timeout=10)
    assert works(node, login, "n3w")
    users.Delete(pb.DeleteReq(options=pb.DeleteReq.Options(login_name=login)), metadata=admin, timeout=10)
    assert not works(node, login, "n3w")
    with pytest.raises(grpc.RpcError) as failure:
        list(users.Details(pb.DetailsReq(options=pb.DetailsReq.Options(login_name=login)), metadata=admin, timeout=10))
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND
    assert dict(failure.value.trailing_metadata()).get("exception") == "user-not-found"
    channel.close()


def test_managing_users_needs_an_admin(secure_node, users_pb):
    pb, stubs = users_pb
    channel = channel_to(secure_node)
    with pytest.raises(grpc.RpcError) as failure:
        stubs.UsersStub(channel).Create(pb.CreateReq(options=pb.CreateReq.Options(
            login_name=unique("eve"), password="x", full_name="Eve")), metadata=basic("ops", "changeit"), timeout=10)
    assert failure.value.code() == grpc.StatusCode.PERMISSION_DENIED
    channel.close()
