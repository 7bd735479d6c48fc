/// Usage lines and help texts of the shell commands.
public enum ShellHelp {
    static let entries: [(name: String, usage: String, summary: String)] = [
        ("help", "help [COMMAND]", "show commands, or one command's usage"),
        ("status", "status", "connection phase, node, heartbeat round trip, counters"),
        ("quit", "quit", "leave esdb (also: exit)"),
        ("connect", "connect CONNSTRING", "connect to another node (tcp://user:pass@host:1113, discover://…, ConnectTo=…)"),
        ("streams", "streams [--filter TEXT] [--limit N]", "list streams (from $streams, newest first)"),
        ("categories", "categories", "list stream categories (the text before the first '-')"),
        ("read", "read STREAM [--from N|start|end] [--count N] [--backward] [--resolve]\n"
            + "       read '$all' [--from COMMIT/PREPARE|start|end] [--count N] [--backward] [--type-prefix P] [--stream-prefix P] [--type-regex R]",
         "read events of a stream or of $all"),
        ("show", "show STREAM NUMBER|last", "one event in full: pretty JSON, or hex for binary data"),
        ("append", "append STREAM TYPE (JSON|@FILE) [--expected any|no-stream|exists|N] [--id UUID] [--meta JSON] [--binary]",
         "append one event"),
        ("delete", "delete STREAM [--hard] [--expected any|no-stream|exists|N] [--yes]", "delete a stream (soft unless --hard)"),
        ("meta", "meta STREAM [--set JSON] [--yes]", "show or replace a stream's metadata"),
        ("tail", "tail STREAM|'$all' [--from start|end|N|-N] [--limit N] [--type-prefix P] [--stream-prefix P] [--type-regex R]",
         "follow a stream live (catch-up subscription)"),
        ("untail", "untail [ID|all]", "stop a tail (the newest without an argument)"),
        ("group", "group create STREAM GROUP [--from start|end|N] [--resolve] [--strategy round-robin|dispatch-to-single|pinned]\n"
            + "       group delete STREAM GROUP [--yes]",
         "create or delete a persistent subscription group (competing consumers)"),
        ("consume", "consume STREAM GROUP [--limit N] [--nak park|retry|skip]",
         "join a persistent subscription group: events shown like a tail, each acknowledged (or nak-ed)"),
        ("ops", "ops", "operations queued or in flight"),
        ("log", "log", "recent connection lifecycle events"),
        ("demo", "demo [--live | stop]", "write a small demo data set; --live keeps appending until 'demo stop'"),
    ]

    /// The usage line of `command`.
    public static func usage(for command: String) -> String {
        let name = command == "exit" ? "quit" : command
        return entries.first { $0.name == name }?.usage ?? command
    }

    /// The help text: all commands, or one.
    public static func text(for command: String?) -> String? {
        guard let command else {
            let width = entries.map(\.name.count).max() ?? 0
            return (["Commands:"] + entries.map { "  " + $0.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.summary }
                + ["", "Quote like a shell: append orders-1 Placed '{\"total\": 12}'.  help COMMAND shows its usage."])
                .joined(separator: "\n")
        }
        let name = command == "exit" ? "quit" : command
        guard let entry = entries.first(where: { $0.name == name }) else { return nil }
        return "usage: \(entry.usage)\n\(entry.summary)"
    }
}

import Foundation
