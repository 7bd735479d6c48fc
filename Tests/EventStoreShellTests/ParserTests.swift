import EventStoreClient
import EventStoreShell
import Testing

/// The command language: quoting, every command, and one-line errors.
@Suite struct ParserTests {
    @Test func splitsLikeAShell() throws {
        #expect(try CommandLineSplitter.split(#"append s T '{"a": 1}'"#) == ["append", "s", "T", #"{"a": 1}"#])
        #expect(try CommandLineSplitter.split(#"append s T "{\"a\": \"b c\"}""#) == ["append", "s", "T", #"{"a": "b c"}"#])
        #expect(try CommandLineSplitter.split(#"read my\ stream"#) == ["read", "my stream"])
        #expect(try CommandLineSplitter.split("read '$all'   --count 5") == ["read", "$all", "--count", "5"])
        #expect(try CommandLineSplitter.split("a ''") == ["a", ""])
        #expect(throws: CommandLineSplitError.self) { try CommandLineSplitter.split("read 'open") }
        #expect(throws: CommandLineSplitError.self) { try CommandLineSplitter.split("read \"open") }
    }

    @Test func parsesEveryCommand() throws {
        #expect(try ShellCommandParser.parse("help") == .help(nil))
        #expect(try ShellCommandParser.parse("help read") == .help("read"))
        #expect(try ShellCommandParser.parse("exit") == .quit)
        #expect(try ShellCommandParser.parse("streams --filter ord --limit 5") == .streams(filter: "ord", limit: 5))
        #expect(try ShellCommandParser.parse("read orders-1 --from 3 --count 10 --backward --resolve")
                == .readStream(stream: "orders-1", from: .number(3), count: 10, backward: true, resolve: true))
        #expect(try ShellCommandParser.parse("read orders-1 --from=end")
                == .readStream(stream: "orders-1", from: .end, count: 20, backward: false, resolve: false))
        var filter = FilterOptions()
        filter.typePrefix = ["Order"]
        #expect(try ShellCommandParser.parse("read $all --from 10/9 --type-prefix Order")
                == .readAll(from: .position(Position(commit: 10, prepare: 9)), count: 20, backward: false, filter: filter))
        #expect(try ShellCommandParser.parse("show orders-1 last") == .show(stream: "orders-1", number: nil))
        #expect(try ShellCommandParser.parse("show orders-1 4") == .show(stream: "orders-1", number: 4))
        #expect(try ShellCommandParser.parse(#"append o-1 Placed '{}' --expected no-stream --meta '{"m":1}'"#)
                == .append(stream: "o-1", type: "Placed", data: .json("{}"), expected: .noStream, id: nil, metadata: #"{"m":1}"#))
        #expect(try ShellCommandParser.parse("append o-1 Blob @/tmp/x --binary --expected 4")
                == .append(stream: "o-1", type: "Blob", data: .binaryFile("/tmp/x"), expected: .exact(4), id: nil, metadata: nil))
        #expect(try ShellCommandParser.parse("delete o-1 --hard --yes") == .delete(stream: "o-1", hard: true, expected: .any, confirmed: true))
        #expect(try ShellCommandParser.parse(#"meta o-1 --set '{"$maxCount":3}'"#)
                == .meta(stream: "o-1", set: #"{"$maxCount":3}"#, confirmed: false))
        #expect(try ShellCommandParser.parse("tail o-1 --from -5 --limit 3")
                == .tail(stream: "o-1", from: .beforeEnd(5), limit: 3, filter: FilterOptions()))
        #expect(try ShellCommandParser.parse("tail $all") == .tail(stream: "$all", from: .end, limit: nil, filter: FilterOptions()))
        #expect(try ShellCommandParser.parse("untail all") == .untail("all"))
        #expect(try ShellCommandParser.parse("group create o-1 workers --from start --resolve --strategy pinned")
                == .createGroup(stream: "o-1", group: "workers", from: .start, resolve: true, strategy: .pinned))
        #expect(try ShellCommandParser.parse("group create o-1 workers")
                == .createGroup(stream: "o-1", group: "workers", from: .end, resolve: false, strategy: .roundRobin))
        #expect(try ShellCommandParser.parse("group delete o-1 workers --yes") == .deleteGroup(stream: "o-1", group: "workers", confirmed: true))
        #expect(try ShellCommandParser.parse("consume o-1 workers --limit 5 --nak park")
                == .consume(stream: "o-1", group: "workers", limit: 5, nak: .park))
        #expect(try ShellCommandParser.parse("consume o-1 workers") == .consume(stream: "o-1", group: "workers", limit: nil, nak: nil))
        #expect(try ShellCommandParser.parse("demo --live") == .demo(.live))
        #expect(try ShellCommandParser.parse("demo stop") == .demo(.stop))
        #expect(try ShellCommandParser.parse("   ") == nil)
        #expect(try ShellCommandParser.parse("# a comment") == nil)
    }

    @Test func errorsAreOneClearLine() {
        func message(_ line: String) -> String {
            do {
                _ = try ShellCommandParser.parse(line)
                return "no error"
            } catch {
                return error.description
            }
        }
        #expect(message("frobnicate") == "unknown command \"frobnicate\" (try: help)")
        #expect(message("read") == "read: missing STREAM (usage: " + ShellHelp.usage(for: "read") + ")")
        #expect(message("read s --count x") == "read: --count needs a number in 1...100000, got \"x\"")
        #expect(message("read s --bogus") == "read: unknown option --bogus")
        #expect(message("read s --count") == "read: --count needs a value")
        #expect(message("read s --from -3") == "read: --from must be start, end or N ≥ 0, got \"-3\"")
        #expect(message("append s T {} --expected maybe") == "append: --expected must be any, no-stream, exists or N ≥ 0, got \"maybe\"")
        #expect(message("show s first") == "show: event number must be a number ≥ 0 or 'last', got \"first\"")
        #expect(message("streams --hard") == "streams: --hard is not an option of streams")
        #expect(message("read '$all --count 1") == "unterminated single quote")
        #expect(message("group list o-1 g") == "group: the first word must be create or delete, got \"list\"")
        #expect(message("group create o-1") == "group: missing GROUP (usage: " + ShellHelp.usage(for: "group") + ")")
        #expect(message("group create o-1 g --strategy random")
                == "group: --strategy must be round-robin, dispatch-to-single or pinned, got \"random\"")
        #expect(message("consume o-1 g --nak later") == "consume: --nak must be park, retry or skip, got \"later\"")
    }

    @Test func readOnlyKnowsWhichCommandsWrite() throws {
        #expect(try ShellCommandParser.parse("append s T {}")!.isWrite)
        #expect(try ShellCommandParser.parse("meta s --set {}")!.isWrite)
        #expect(try !ShellCommandParser.parse("meta s")!.isWrite)
        #expect(try !ShellCommandParser.parse("read s")!.isWrite)
        #expect(try ShellCommandParser.parse("group create s g")!.isWrite, "groups are server state")
        #expect(try ShellCommandParser.parse("consume s g")!.isWrite, "acknowledgements move the group on")
    }
}
