import ArgumentParser

/// The `esdb` command: an EventStoreDB TCP toolkit (client, stream browser, embedded node).
@main
struct ESDB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "esdb",
        abstract: "Browse, tail and debug EventStoreDB streams over the TCP protocol.",
        discussion: """
            Exit codes: 0 success, 1 a command failed, 2 usage error, 3 could not connect.
            """,
        version: ESDBVersion.current,
        subcommands: [WireCommand.self, NodeCommand.self]
    )
}

enum ESDBVersion {
    static let current = "0.1.0"
}
