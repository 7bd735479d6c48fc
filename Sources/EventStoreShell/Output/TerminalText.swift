/// Text safe to print on a terminal, and fixed-width helpers.
public enum TerminalText {
    /// Replaces control characters (escape sequences included) with visible placeholders, so an
    /// event cannot drive the terminal.
    public static func sanitize(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09: out.append(" ")
            case 0x0A: out.append(contentsOf: "⏎".unicodeScalars)
            case 0x00..<0x20, 0x7F, 0x80...0x9F: out.append(contentsOf: "\u{FFFD}".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// `offset  hex bytes  |ascii|` lines, 16 bytes each.
    public static func hexDump(_ bytes: [UInt8]) -> [String] {
        guard !bytes.isEmpty else { return ["(empty)"] }
        return stride(from: 0, to: bytes.count, by: 16).map { start in
            let chunk = bytes[start..<min(start + 16, bytes.count)]
            let hex = chunk.map { byte -> String in
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined(separator: " ")
            let ascii = String(chunk.map { (0x20..<0x7F).contains($0) ? Character(Unicode.Scalar($0)) : "." })
            let offset = String(start, radix: 16)
            return String(repeating: "0", count: max(0, 8 - offset.count)) + offset + "  "
                + hex.padding(toLength: 47, withPad: " ", startingAt: 0) + "  |" + ascii + "|"
        }
    }

    /// Pads or cuts `text` to `width` characters.
    public static func fit(_ text: String, _ width: Int) -> String {
        if text.count > width { return String(text.prefix(max(0, width - 1))) + "…" }
        return text.padding(toLength: width, withPad: " ", startingAt: 0)
    }
}

import Foundation
