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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
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
            name: "EventStoreNodeTests",
            dependencies: [
                "EventStoreNode",
                "EventStoreWire",
                "EventStoreTesting",
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
