@preconcurrency import CReadline
import EventStoreShell
import Foundation
import Synchronization

/// The plain interactive REPL: GNU readline with history in `$XDG_STATE_HOME/esdb/history`
/// and Tab completion of commands and options.
struct InteractivePrompt {
    let session: ShellSession
    let sink: LineSink
    let banner: String

    static var historyPath: String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.local/state")
        return base + "/esdb/history"
    }

    /// Runs until `quit` or end of input; returns whether the last command failed.
    func run() async -> Bool {
        print(banner)
        print("Type 'help' for commands, 'demo' for sample data, 'quit' to leave.")
        let history = Self.historyPath
        try? FileManager.default.createDirectory(atPath: (history as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        read_history(history)
        ReadlineCompletion.install()
        var lastFailed = false
        ReadlineCompletion.streams.withLock { $0 = [] }
        while true {
            ReadlineCompletion.streams.withLock { $0 = [] }
            let names = await session.streamNamesForCompletion()
            ReadlineCompletion.streams.withLock { $0 = names }
            guard let line = Self.readLine(prompt: "esdb> ") else { break }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty {
                add_history(trimmed)
                write_history(history)
            }
            switch await session.execute(line) {
            case .ok: lastFailed = false
            case .failed: lastFailed = true
            case .quit: return false
            }
        }
        return lastFailed
    }

    static func readLine(prompt: String) -> String? {
        guard let raw = readline(prompt) else { return nil }
        defer { free(raw) }
        return String(cString: raw)
    }
}

/// Tab completion for readline: command names first, then the command's options.
enum ReadlineCompletion {
    /// Stream names known at the last prompt (refreshed before each prompt).
    static let streams = Mutex<[String]>([])
    /// Commands whose first argument is a stream.
    static let streamCommands: Set<String> = ["read", "show", "append", "delete", "meta", "tail"]

    static func install() {
        rl_completer_word_break_characters = UnsafePointer(strdup(" \t\n"))
        rl_attempted_completion_function = { text, start, _ in
            let prefix = text.map { String(cString: $0) } ?? ""
            let line = rl_line_buffer.map { String(cString: $0) } ?? ""
            let words = line.prefix(Int(start)).split(separator: " ").map(String.init)
            let candidates: [String]
            if words.isEmpty {
                candidates = ShellCommandParser.commandNames
            } else if words.count == 1, ReadlineCompletion.streamCommands.contains(words[0]), !prefix.hasPrefix("-") {
                candidates = ReadlineCompletion.streams.withLock { $0 }
            } else {
                candidates = (ShellCommandParser.options[words[0]] ?? []) + (words[0] == "help" ? ShellCommandParser.commandNames : [])
            }
            let matches = candidates.filter { $0.hasPrefix(prefix) }
            rl_attempted_completion_over = 1
            guard !matches.isEmpty else { return nil }
            return ReadlineCompletion.matchArray(matches)
        }
    }

    /// readline's match list: the common prefix first, then each match, then NULL (all malloc'ed).
    static func matchArray(_ matches: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        let common = matches.dropFirst().reduce(matches[0]) { prefix, word in
            String(zip(prefix, word).prefix { $0 == $1 }.map(\.0))
        }
        let list = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: matches.count + 2)
        list[0] = strdup(common)
        for (index, match) in matches.enumerated() { list[index + 1] = strdup(match) }
        list[matches.count + 1] = nil
        return list
    }
}
