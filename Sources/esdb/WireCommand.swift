import ArgumentParser
import EventStoreWire
import Foundation

/// `esdb wire …`: inspect the TCP protocol's bytes.
struct WireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wire",
        abstract: "Decode and encode raw EventStoreDB TCP frames.",
        subcommands: [WireDecodeCommand.self]
    )
}

/// `esdb wire decode HEX`: prints each frame in the hex input, fully decoded.
struct WireDecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode frames given as hex (spaces allowed; '-' reads hex from stdin).",
        discussion: """
            Prints, for every frame: its length, command name and code, flags, correlation id,
            credentials (password masked) and the payload decoded as the command's message.
            Example: esdb wire decode '12 00 00 00 01 00 33 22 11 00 55 44 77 66 88 99 aa bb cc dd ee ff'
            """
    )

    @Argument(help: "Hex bytes of one or more frames, or '-' to read them from stdin.")
    var hex: [String]

    @Flag(name: .long, help: "Print one JSON object per frame.")
    var json = false

    func run() throws {
        var input = hex.joined(separator: " ")
        if hex == ["-"] {
            var lines: [String] = []
            while let line = readLine(strippingNewline: false) { lines.append(line) }
            input = lines.joined()
        }
        let frames: [WireInspector.Frame]
        do {
            frames = try WireInspector.inspect(hex: input)
        } catch {
            printError("esdb wire decode: \(error)")
            throw ExitCode(1)
        }
        for frame in frames {
            print(json ? frame.json.compactText : frame.text)
        }
    }
}

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
