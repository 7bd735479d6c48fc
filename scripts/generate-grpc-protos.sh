#!/usr/bin/env bash
# Regenerates Sources/EventStoreGRPC/Generated/*.{pb,grpc}.swift from Protos/grpc/*.proto.
#
# Needs protoc (Debian: protobuf-compiler) and two protoc plugins:
#   protoc-gen-swift         from apple/swift-protobuf      (the exact version Package.swift pins)
#   protoc-gen-grpc-swift-2  from grpc/grpc-swift-protobuf  (no newer than the GRPCProtobuf we link)
# Give their paths in PROTOC_GEN_SWIFT / PROTOC_GEN_GRPC_SWIFT, or let this script clone the two
# packages (through git's usual github.com URLs) and build the plugins in GRPC_PLUGIN_DIR
# (default /tmp/grpc-plugins, outside the repo; inside it, use .grpc-plugins, which git ignores).
# The first plugin build takes 5-10 minutes on 2 cores.
#
# A normal build never runs this: the generated code is committed.
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT_PROTOBUF_VERSION=1.39.0
GRPC_SWIFT_PROTOBUF_VERSION=2.4.1
PLUGIN_DIR=${GRPC_PLUGIN_DIR:-/tmp/grpc-plugins}
OUT=Sources/EventStoreGRPC/Generated

command -v protoc >/dev/null || { echo "protoc missing: apt-get install -y protobuf-compiler" >&2; exit 1; }

# The resolved runtime versions must match the plugins (the generated code calls their APIs).
if [[ -f Package.resolved ]]; then
    for pin in "swift-protobuf:$SWIFT_PROTOBUF_VERSION" "grpc-swift-protobuf:$GRPC_SWIFT_PROTOBUF_VERSION"; do
        name=${pin%%:*} want=${pin#*:}
        got=$(python3 -c 'import json,sys; d=json.load(open("Package.resolved")); print(next((p["state"].get("version","") for p in d["pins"] if p["identity"]==sys.argv[1]), ""))' "$name")
        if [[ -n "$got" && "$got" != "$want" ]]; then
            echo "Package.resolved has $name $got but this script builds the $want plugin; update the version above" >&2
            exit 1
        fi
    done
fi

# build_plugin OWNER/NAME VERSION PRODUCT -> prints the built executable's path
build_plugin() {
    local repo=$1 version=$2 product=$3
    local dir="$PLUGIN_DIR/${repo#*/}-$version"
    if [[ ! -d "$dir" ]]; then
        mkdir -p "$PLUGIN_DIR"
        git clone --quiet --depth 1 --branch "$version" "https://github.com/$repo" "$dir" >&2
    fi
    nice -n 15 swift build -c release --package-path "$dir" --product "$product" >&2
    echo "$(swift build -c release --package-path "$dir" --show-bin-path)/$product"
}

PROTOC_GEN_SWIFT=${PROTOC_GEN_SWIFT:-$(build_plugin apple/swift-protobuf "$SWIFT_PROTOBUF_VERSION" protoc-gen-swift)}
PROTOC_GEN_GRPC_SWIFT=${PROTOC_GEN_GRPC_SWIFT:-$(build_plugin grpc/grpc-swift-protobuf "$GRPC_SWIFT_PROTOBUF_VERSION" protoc-gen-grpc-swift-2)}

mkdir -p "$OUT"
rm -f "$OUT"/*.pb.swift "$OUT"/*.grpc.swift
# Public: the node (server stubs) and the client (client stubs) live in other modules.
protoc --plugin=protoc-gen-swift="$PROTOC_GEN_SWIFT" \
    --swift_out="$OUT" --swift_opt=Visibility=Public \
    -I Protos/grpc Protos/grpc/*.proto
# Service stubs only for the files that declare a service (the plugin writes a file for every input).
protoc --plugin=protoc-gen-grpc-swift-2="$PROTOC_GEN_GRPC_SWIFT" \
    --grpc-swift-2_out="$OUT" --grpc-swift-2_opt=Visibility=Public \
    -I Protos/grpc $(grep -l '^service ' Protos/grpc/*.proto)
ls "$OUT"
