// swift-tools-version:6.1
import PackageDescription

/// Throughput benchmarks for the embedded node, kept out of the root package's build.
/// Run with `Benchmarks/node-bench.sh` (release build).
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
            swiftSettings: [
                .swiftLanguageMode(.v6),
                .enableUpcomingFeature("ExistentialAny"),
            ]
        ),
    ]
)
