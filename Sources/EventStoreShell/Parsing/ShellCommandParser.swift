import EventStoreClient

/// Why a line is not a valid command; printed as one line, e.g. `read: --count needs a number, got "x"`.
public struct ShellParseError: Error, Equatable, CustomStringConvertible {
    /// The command word, when the line got that far.
    public var command: String?
    /// What is wrong.
    public var message: String
    /// `command: message`.
    public var description: String { command.map { "\($0): \(message)" } ?? message }
}

/// Turns a command line into a ``ShellCommand``.
public enum ShellCommandParser {
    /// Every command name, for completion and help.
    public static let commandNames = ["help", "status", "quit", "exit", "connect", "streams", "categories", "read", "show",
                                      "append", "delete", "meta", "tail", "untail", "group", "consume", "ops", "log", "demo"]

    /// Options per command, for completion.
    public static let options: [String: [String]] = [
        "streams": ["--filter", "--limit"],
        "read": ["--from", "--count", "--backward", "--resolve", "--type-prefix", "--stream-prefix", "--type-regex"],
        "append": ["--expected", "--id", "--meta", "--binary"],
        "delete": ["--hard", "--expected", "--yes"],
        "meta": ["--set", "--yes"],
        "tail": ["--from", "--limit", "--type-prefix", "--stream-prefix", "--type-regex"],
        "group": ["create", "delete", "--from", "--resolve", "--strategy", "--yes"],
        "consume": ["--limit", "--nak"],
        "demo": ["--live", "stop"],
    ]

    /// Parses one line; `nil` for a blank line or a comment (`#`).
    public static func parse(_ line: String) throws(ShellParseError) -> ShellCommand? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return nil }
        let words: [String]
        do { words = try CommandLineSplitter.split(trimmed) } catch { throw ShellParseError(command: nil, message: error.message) }
        guard let name = words.first else { return nil }
        var arguments = Arguments(command: name, words: Array(words.dropFirst()))
        let command = try parse(name, &arguments)
        try arguments.finish()
        return command
    }

    private static func parse(_ name: String, _ a: inout Arguments) throws(ShellParseError) -> ShellCommand {
        switch name {
        case "help", "?": return .help(a.positionals.first)
        case "status": return .status
        case "quit", "exit": return .quit
        case "connect": return .connect(try a.required(0, "CONNSTRING"))
        case "streams":
            return .streams(filter: a.value("--filter"), limit: try a.integer("--limit", default: 100, range: 1...100_000))
        case "categories": return .categories
        case "read":
            let stream = try a.required(0, "STREAM")
            let count = try a.integer("--count", default: 20, range: 1...100_000)
            let backward = a.flag("--backward")
            let resolve = a.flag("--resolve")
            if stream == "$all" {
                return .readAll(from: try allStart(a.value("--from"), a), count: count, backward: backward, filter: try filter(&a))
            }
            return .readStream(stream: stream, from: try streamStart(a.value("--from"), a, allowRelative: false), count: count,
                               backward: backward, resolve: resolve)
        case "show":
            let stream = try a.required(0, "STREAM")
            let which = try a.required(1, "NUMBER|last")
            if which == "last" { return .show(stream: stream, number: nil) }
            guard let number = Int64(which), number >= 0 else { throw a.error("event number must be a number ≥ 0 or 'last', got \"\(which)\"") }
            return .show(stream: stream, number: number)
        case "append":
            let stream = try a.required(0, "STREAM")
            let type = try a.required(1, "TYPE")
            let body = try a.required(2, "JSON|@FILE")
            let binary = a.flag("--binary")
            let data: ShellCommand.AppendData
            if body.hasPrefix("@") {
                data = binary ? .binaryFile(String(body.dropFirst())) : .file(String(body.dropFirst()))
            } else {
                data = binary ? .binary(body) : .json(body)
            }
            return .append(stream: stream, type: type, data: data, expected: try expected(a.value("--expected"), a),
                           id: a.value("--id"), metadata: a.value("--meta"))
        case "delete":
            return .delete(stream: try a.required(0, "STREAM"), hard: a.flag("--hard"),
                           expected: try expected(a.value("--expected"), a), confirmed: a.flag("--yes"))
        case "meta":
            return .meta(stream: try a.required(0, "STREAM"), set: a.value("--set"), confirmed: a.flag("--yes"))
        case "tail":
            let stream = try a.required(0, "STREAM|$all")
            let limit: Int? = a.hasValue("--limit") ? try a.integer("--limit", default: 0, range: 1...10_000_000) : nil
            return .tail(stream: stream, from: try streamStart(a.value("--from"), a, allowRelative: true, defaultStart: .end),
                         limit: limit, filter: try filter(&a))
        case "untail": return .untail(a.positionals.first)
        case "group":
            let action = try a.required(0, "create|delete")
            let stream = try a.required(1, "STREAM")
            let group = try a.required(2, "GROUP")
            switch action {
            case "create":
                let from = try streamStart(a.value("--from"), a, allowRelative: false, defaultStart: .end)
                return .createGroup(stream: stream, group: group, from: from, resolve: a.flag("--resolve"),
                                    strategy: try strategy(a.value("--strategy"), a))
            case "delete":
                return .deleteGroup(stream: stream, group: group, confirmed: a.flag("--yes"))
            default:
                throw a.error("the first word must be create or delete, got \"\(action)\"")
            }
        case "consume":
            let stream = try a.required(0, "STREAM")
            let group = try a.required(1, "GROUP")
            let limit: Int? = a.hasValue("--limit") ? try a.integer("--limit", default: 0, range: 1...10_000_000) : nil
            return .consume(stream: stream, group: group, limit: limit, nak: try nakAction(a.value("--nak"), a))
        case "ops": return .ops
        case "log": return .log
        case "demo":
            if a.positionals.first == "stop" { return .demo(.stop) }
            return .demo(a.flag("--live") ? .live : .once)
        default:
            throw ShellParseError(command: nil, message: "unknown command \"\(name)\" (try: help)")
        }
    }

    private static func streamStart(
        _ text: String?, _ a: Arguments, allowRelative: Bool, defaultStart: StreamStart = .start
    ) throws(ShellParseError) -> StreamStart {
        guard let text else { return defaultStart }
        switch text {
        case "start": return .start
        case "end": return .end
        default:
            if let number = Int64(text) {
                if number >= 0 { return .number(number) }
                if allowRelative { return .beforeEnd(-number) }
            }
            throw a.error("--from must be start, end" + (allowRelative ? ", N or -N" : " or N ≥ 0") + ", got \"\(text)\"")
        }
    }

    private static func strategy(_ text: String?, _ a: Arguments) throws(ShellParseError) -> ConsumerStrategy {
        switch text {
        case nil, "round-robin": return .roundRobin
        case "dispatch-to-single": return .dispatchToSingle
        case "pinned": return .pinned
        case let other?: throw a.error("--strategy must be round-robin, dispatch-to-single or pinned, got \"\(other)\"")
        }
    }

    private static func nakAction(_ text: String?, _ a: Arguments) throws(ShellParseError) -> NakAction? {
        switch text {
        case nil: return nil
        case "park": return .park
        case "retry": return .retry
        case "skip": return .skip
        case let other?: throw a.error("--nak must be park, retry or skip, got \"\(other)\"")
        }
    }

    private static func allStart(_ text: String?, _ a: Arguments) throws(ShellParseError) -> AllStart {
        guard let text else { return .start }
        switch text {
        case "start": return .start
        case "end": return .end
        default:
            let parts = text.split(separator: "/")
            guard parts.count == 2, let commit = Int64(parts[0]), let prepare = Int64(parts[1]), commit >= 0, prepare >= 0 else {
                throw a.error("--from for $all must be start, end or COMMIT/PREPARE, got \"\(text)\"")
            }
            return .position(Position(commit: commit, prepare: prepare))
        }
    }

    private static func expected(_ text: String?, _ a: Arguments) throws(ShellParseError) -> ExpectedVersion {
        guard let text else { return .any }
        switch text {
        case "any": return .any
        case "no-stream": return .noStream
        case "exists": return .streamExists
        default:
            guard let number = Int64(text), number >= 0 else {
                throw a.error("--expected must be any, no-stream, exists or N ≥ 0, got \"\(text)\"")
            }
            return .exact(number)
        }
    }

    private static func filter(_ a: inout Arguments) throws(ShellParseError) -> FilterOptions {
        var filter = FilterOptions()
        filter.typePrefix = a.values("--type-prefix")
        filter.streamPrefix = a.values("--stream-prefix")
        filter.typeRegex = a.value("--type-regex")
        if !filter.typePrefix.isEmpty, !filter.streamPrefix.isEmpty {
            throw a.error("--type-prefix and --stream-prefix cannot be combined (the server filters on one of them)")
        }
        if filter.typeRegex != nil, !(filter.typePrefix.isEmpty && filter.streamPrefix.isEmpty) {
            throw a.error("--type-regex cannot be combined with a prefix filter")
        }
        return filter
    }
}

/// The words after a command name: positionals, `--flag`s and `--option VALUE`s (also `--option=VALUE`).
struct Arguments {
    static let valued: Set<String> = ["--from", "--count", "--limit", "--filter", "--expected", "--id", "--meta", "--set",
                                      "--type-prefix", "--stream-prefix", "--type-regex", "--strategy", "--nak"]
    static let flags: Set<String> = ["--backward", "--resolve", "--binary", "--hard", "--yes", "--live"]

    let command: String
    var positionals: [String] = []
    private var options: [(String, String?)] = []
    private var parseError: ShellParseError?
    private var used: Set<String> = []

    init(command: String, words: [String]) {
        self.command = command
        var index = 0
        while index < words.count {
            let word = words[index]
            if word.hasPrefix("--") {
                var name = word
                var inline: String?
                if let equals = word.firstIndex(of: "=") {
                    name = String(word[..<equals])
                    inline = String(word[word.index(after: equals)...])
                }
                if Self.valued.contains(name) {
                    if let inline {
                        options.append((name, inline))
                    } else if index + 1 < words.count {
                        options.append((name, words[index + 1]))
                        index += 1
                    } else {
                        parseError = ShellParseError(command: command, message: "\(name) needs a value")
                    }
                } else if Self.flags.contains(name) {
                    options.append((name, nil))
                } else {
                    parseError = parseError ?? ShellParseError(command: command, message: "unknown option \(word)")
                }
            } else {
                positionals.append(word)
            }
            index += 1
        }
    }

    func error(_ message: String) -> ShellParseError { ShellParseError(command: command, message: message) }

    mutating func flag(_ name: String) -> Bool {
        used.insert(name)
        return options.contains { $0.0 == name }
    }

    mutating func value(_ name: String) -> String? {
        used.insert(name)
        return options.last { $0.0 == name }?.1
    }

    func hasValue(_ name: String) -> Bool { options.contains { $0.0 == name } }

    mutating func values(_ name: String) -> [String] {
        used.insert(name)
        return options.filter { $0.0 == name }.compactMap(\.1)
    }

    mutating func integer(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws(ShellParseError) -> Int {
        guard let text = value(name) else { return defaultValue }
        guard let number = Int(text), range.contains(number) else {
            throw error("\(name) needs a number in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
        }
        return number
    }

    mutating func required(_ index: Int, _ name: String) throws(ShellParseError) -> String {
        if let parseError { throw parseError }
        guard index < positionals.count else { throw error("missing \(name) (usage: \(ShellHelp.usage(for: command)))") }
        return positionals[index]
    }

    /// Rejects options the command does not take.
    func finish() throws(ShellParseError) {
        if let parseError { throw parseError }
        for (name, _) in options where !used.contains(name) {
            throw error("\(name) is not an option of \(command)")
        }
    }
}

import Foundation
