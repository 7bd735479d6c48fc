#!/usr/bin/env python3
"""Writes the WireFuzzer seed corpus (Fuzz/Corpus/*.bin): valid EventStoreDB TCP frames.

Frame layout (docs/protocol.md section 1): u32 LE length, command byte, flags byte,
16-byte correlation id (.NET Guid byte order), optional auth block, payload.
Protobuf payloads are hand-encoded here (proto2: every required field is written, even when it is
zero), so the script needs nothing beyond the Python standard library. Re-running it rewrites the
same bytes; the files are committed.

    python3 scripts/make-fuzz-seeds.py
"""
import os
import struct
import uuid

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fuzz", "Corpus")

# ---------------------------------------------------------------- protobuf (wire format only)

def varint(n):
    n &= (1 << 64) - 1  # negative int32/int64 are 10-byte varints
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)

def f_varint(field, n):
    return varint(field << 3) + varint(n)

def f_bool(field, b):
    return f_varint(field, 1 if b else 0)

def f_bytes(field, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return varint(field << 3 | 2) + varint(len(data)) + data

f_string = f_bytes
f_msg = f_bytes

# ---------------------------------------------------------------- frames

def guid(text):
    return uuid.UUID(text).bytes_le  # .NET Guid.ToByteArray() order

ID = guid("00112233-4455-6677-8899-aabbccddeeff")
ZERO = bytes(16)

def auth_password(login, password):
    l, p = login.encode(), password.encode()
    return bytes([len(l)]) + l + bytes([len(p)]) + p

def auth_token(token):
    t = token.encode()
    return struct.pack("<h", -len(t)) + t

def frame(command, payload=b"", corr=ID, auth=None, flags=0):
    if auth is not None:
        flags |= 0x01
    body = bytes([command, flags]) + corr + (auth or b"") + payload
    return struct.pack("<I", len(body)) + body

# ---------------------------------------------------------------- messages

E1 = guid("3f2504e0-4f89-11d3-9a0c-0305e82c3301")
E2 = guid("a7f1d2c3-0b4e-4c5d-8e6f-112233445566")

def new_event(event_id, event_type, data, metadata=None, json=True):
    m = (f_bytes(1, event_id) + f_string(2, event_type) + f_varint(3, 1 if json else 0)
         + f_varint(4, 1 if json else 0) + f_bytes(5, data))
    if metadata is not None:
        m += f_bytes(6, metadata)
    return m

def event_record(stream, number, event_id, event_type, data, metadata=b"", created=637_000_000_000_000_000):
    return (f_string(1, stream) + f_varint(2, number) + f_bytes(3, event_id) + f_string(4, event_type)
            + f_varint(5, 1) + f_varint(6, 1) + f_bytes(7, data) + f_bytes(8, metadata)
            + f_varint(9, created) + f_varint(10, 1_600_000_000_000 + number))

def resolved_indexed(event, link=None):
    return f_msg(1, event) + (f_msg(2, link) if link is not None else b"")

DATA1 = b'{"orderId":"o-17","amount":42.5,"items":[{"sku":"A1","qty":2}],"paid":true,"note":null}'
DATA2 = b'{"orderId":"o-17","reason":"caf\\u00e9 \\ud83d\\ude00 closed","at":"2020-10-01T12:00:00Z","n":-1e-3}'
META = b'{"$correlationId":"c-1","$causationId":"c-0"}'

def seeds():
    s = {}
    s["heartbeat-request"] = frame(0x01)
    s["heartbeat-response"] = frame(0x02, corr=guid("0a0b0c0d-1111-2222-3333-444455556666"))
    s["ping-opaque"] = frame(0x03, b"\x00\x01ping\xff")
    s["identify-client"] = frame(0xF5, f_varint(1, 1) + f_string(2, "app"))
    s["client-identified"] = frame(0xF6)
    s["authenticate-password"] = frame(0xF2, auth=auth_password("admin", "changeit"))
    # ReadEvent as admin/changeit, stream "s", event 0 (the docs/protocol.md §1.8 worked example).
    s["read-event-password"] = frame(
        0xB0, f_string(1, "s") + f_varint(2, 0) + f_bool(3, False) + f_bool(4, False),
        auth=auth_password("admin", "changeit"))
    # ReadStreamEventsForward with a bearer token.
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl"
    s["read-stream-token"] = frame(
        0xB2, f_string(1, "orders-17") + f_varint(2, 0) + f_varint(3, 20) + f_bool(4, True) + f_bool(5, False),
        auth=auth_token(jwt))
    s["token-abc-authenticate"] = frame(0xF2, auth=auth_token("abc"))
    # WriteEvents: two JSON events, expected_version -2 (any), 10-byte varint.
    s["write-events-2-json"] = frame(
        0x82,
        f_string(1, "orders-17") + f_varint(2, -2)
        + f_msg(3, new_event(E1, "OrderPlaced", DATA1, META))
        + f_msg(3, new_event(E2, "OrderClosed", DATA2, b""))
        + f_bool(4, True),
        auth=auth_password("admin", "changeit"))
    s["write-events-completed"] = frame(
        0x83, f_varint(1, 0) + f_varint(3, 0) + f_varint(4, 1) + f_varint(5, 4096) + f_varint(6, 4096)
        + f_varint(7, 1))
    # ReadStreamEventsForwardCompleted with two events, the second resolved through a link.
    ev1 = event_record("orders-17", 0, E1, "OrderPlaced", DATA1, META)
    ev2 = event_record("orders-17", 1, E2, "OrderClosed", DATA2)
    link = event_record("$ce-orders", 5, guid("11111111-2222-3333-4444-555555555555"), "$>", b"1@orders-17",
                        b'{"$v":"1:-1:1:4"}')
    s["read-stream-completed-events"] = frame(
        0xB3,
        f_msg(1, resolved_indexed(ev1)) + f_msg(1, resolved_indexed(ev2, link))
        + f_varint(2, 0) + f_varint(3, 2) + f_varint(4, 1) + f_bool(5, True) + f_varint(6, 8192))
    # ReadEventCompleted (Success) carrying one event.
    s["read-event-completed"] = frame(0xB1, f_varint(1, 0) + f_msg(2, resolved_indexed(ev1)))
    # ReadAllEventsForwardCompleted with one ResolvedEvent.
    resolved = f_msg(1, ev1) + f_varint(3, 8192) + f_varint(4, 8000)
    s["read-all-completed"] = frame(
        0xB7, f_varint(1, 0) + f_varint(2, 0) + f_msg(3, resolved) + f_varint(4, 9000) + f_varint(5, 9000)
        + f_varint(6, 0))
    # Volatile subscription: confirmation and a pushed event.
    s["subscription-confirmation"] = frame(0xC1, f_varint(1, 123456) + f_varint(2, 41))
    s["stream-event-appeared"] = frame(0xC2, f_msg(1, resolved))
    s["filtered-subscribe"] = frame(
        0xD2, f_string(1, "") + f_bool(2, False)
        + f_msg(3, f_varint(1, 1) + f_varint(2, 1) + f_string(3, "Order") + f_string(3, "Invoice"))
        + f_varint(4, 32))
    # NotHandled NotLeader with a LeaderInfo in additional_info.
    leader = (f_string(1, "10.0.0.2") + f_varint(2, 1113) + f_string(3, "10.0.0.2") + f_varint(4, 2113)
              + f_string(5, "node2.esdb.local") + f_varint(6, 1115))
    s["not-handled-leader-info"] = frame(0xF1, f_varint(1, 2) + f_bytes(2, leader))
    # BadRequest: UTF-8 text, all-zero correlation id (connection-level).
    s["bad-request-text"] = frame(0xF0, "Bad request: unknown command 0x7F (caf\u00e9)".encode(), corr=ZERO)
    s["not-authenticated-text"] = frame(0xF4, b"Authentication failed", auth=None)
    # Several frames in one stream, as a connection would carry them.
    s["stream-multi-frame"] = (s["identify-client"] + s["heartbeat-request"] + s["read-event-password"]
                               + s["not-handled-leader-info"])
    return s

def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in sorted(seeds().items()):
        with open(os.path.join(OUT, name + ".bin"), "wb") as f:
            f.write(data)
        print(f"{len(data):5d}  Fuzz/Corpus/{name}.bin")

if __name__ == "__main__":
    main()
