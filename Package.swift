// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "esdb",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "EventStoreWire", targets: ["EventStoreWire"]),
        .library(name: "EventStoreClient", targets: ["EventStoreClient"]),
        .library(name: "EventStoreNode", targets: ["EventStoreNode"]),
        .library(name: "EventStoreTesting", targets: ["EventStoreTesting"]),
        .executable(name: "esdb", targets: ["esdb"]),
        // Only meaningful when built with --sanitize=fuzzer (scripts/fuzz.sh); a plain build links a no-op.
        .executable(name: "WireFuzzer", targets: ["WireFuzzer"]),
        // Only meaningful when built with --sanitize=fuzzer (scripts/fuzz-node.sh); a plain build links a no-op.
        .executable(name: "NodeFuzzer", targets: ["NodeFuzzer"]),
        // Only meaningful when built with --sanitize=fuzzer (scripts/fuzz-grpc.sh); a plain build links a no-op.
        .executable(name: "GRPCFuzzer", targets: ["GRPCFuzzer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        // protoc-gen-grpc-swift-2 must not be newer than this runtime: scripts/generate-grpc-protos.sh
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
    ],
    targets: [
        // MARK: System libraries (Debian: libncurses-dev, libreadline-dev, libsqlite3-dev)
        .systemLibrary(name: "CNCursesW", path: "Sources/CNCursesW", providers: [.apt(["libncurses-dev"])]),
        .systemLibrary(name: "CReadline", path: "Sources/CReadline", providers: [.apt(["libreadline-dev"])]),
        .systemLibrary(name: "CSQLite3", path: "Sources/CSQLite3", providers: [.apt(["libsqlite3-dev"])]),

        // MARK: Libraries
        .target(
            name: "EventStoreWire",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EventStoreClient",
            dependencies: [
                "EventStoreWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EventStoreNode",
            dependencies: [
                "EventStoreWire",
                "CSQLite3",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                "EventStoreGRPC",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            ],
            swiftSettings: swiftSettings
        ),
        // The KurrentDB v1 gRPC API: code generated from Protos/grpc (scripts/generate-grpc-protos.sh).
        .target(
            name: "EventStoreGRPC",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EventStoreShell",
            dependencies: ["EventStoreWire", "EventStoreClient"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EventStoreTUI",
            dependencies: ["EventStoreShell", "EventStoreClient", "CNCursesW", "CReadline"],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "EventStoreTesting",
            dependencies: [
                "EventStoreWire",
                "EventStoreNode",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Executables
        .executableTarget(
            name: "esdb",
            dependencies: [
                "EventStoreWire",
                "EventStoreClient",
                "EventStoreNode",
                "EventStoreShell",
                "EventStoreTUI",
                "CReadline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "LibraryQuickStart",
            dependencies: ["EventStoreClient"],
            path: "Examples/LibraryQuickStart",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "WireFuzzer",
            dependencies: ["EventStoreWire", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "NodeFuzzer",
            dependencies: [
                "EventStoreNode",
                "EventStoreWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "GRPCFuzzer",
            dependencies: [
                "EventStoreNode",
                "EventStoreGRPC",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .testTarget(
            name: "EventStoreWireTests",
            dependencies: [
                "EventStoreWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EventStoreGRPCTests",
            dependencies: [
                "EventStoreGRPC",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EventStoreNodeTests",
            dependencies: [
                "EventStoreNode",
                "EventStoreWire",
                "EventStoreTesting",
                "EventStoreGRPC",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EventStoreClientTests",
            dependencies: ["EventStoreClient", "EventStoreNode", "EventStoreWire", "EventStoreTesting", .product(name: "NIOEmbedded", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EventStoreTUITests",
            dependencies: ["EventStoreTUI", "EventStoreShell", "EventStoreClient", "EventStoreWire", "EventStoreTesting", "esdb"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EventStoreShellTests",
            dependencies: ["EventStoreShell", "EventStoreClient", "EventStoreNode", "EventStoreTesting", "esdb"],
            swiftSettings: swiftSettings
        ),
    ]
)
