// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

/// Benchmarks, kept out of the root package's build (release builds only):
/// `Benchmarks/run [--quick]` (the issue-6 suite: ESBench + photon-pump + the `esdb` terminal) and
/// `Benchmarks/node-bench.sh` (raw-protocol node throughput).
let package = Package(
    name: "NodeBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "esdb", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        .executableTarget(
            name: "NodeBench",
            dependencies: [
                .product(name: "EventStoreNode", package: "esdb"),
                .product(name: "EventStoreWire", package: "esdb"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ESBench",
            dependencies: [
                .product(name: "EventStoreClient", package: "esdb"),
                .product(name: "EventStoreNode", package: "esdb"),
                .product(name: "EventStoreWire", package: "esdb"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
