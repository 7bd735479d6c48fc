#!/usr/bin/env bash
# Regenerates Sources/EventStoreWire/Generated/*.pb.swift from Protos/*.proto.
# Needs protoc (Debian: protobuf-compiler); builds swift-protobuf's plugin into .build-protoc.
# A normal build never runs this: the generated code is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v protoc >/dev/null || { echo "protoc missing: apt-get install -y protobuf-compiler" >&2; exit 1; }
swift build -c release --product protoc-gen-swift --scratch-path .build-protoc >&2
protoc --plugin=protoc-gen-swift=.build-protoc/release/protoc-gen-swift \
    --swift_out=Sources/EventStoreWire/Generated --swift_opt=Visibility=Public \
    -I Protos Protos/ClientMessageDtos.proto
echo "generated Sources/EventStoreWire/Generated/ClientMessageDtos.pb.swift"
