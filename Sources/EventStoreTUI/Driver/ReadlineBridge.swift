@preconcurrency import CReadline
import Foundation

/// State shared with readline's C callbacks, which carry no user-data pointer.
/// Every callback runs synchronously on the UI thread inside `rl_callback_read_char()`.
nonisolated(unsafe) private var pendingInput: [UInt8] = []
nonisolated(unsafe) private var pendingIndex = 0
nonisolated(unsafe) private var acceptedLines: [String?] = []
nonisolated(unsafe) private var completionListing: [String] = []

/// GNU readline driven through its callback interface: the UI thread feeds bytes, readline edits
/// the line, and the TUI draws it (readline itself never writes to the terminal).
final class ReadlineBridge {
    let historyPath: String
    private var wroteHistory = false
    /// The first bytes of a character whose other bytes have not been read yet.
    private var heldBack: [UInt8] = []

    init(historyPath: String, rows: Int, columns: Int) {
        self.historyPath = historyPath
        rl_readline_name = UnsafePointer(strdup("esdb"))
        rl_catch_signals = 0
        rl_catch_sigwinch = 0
        rl_change_environment = 0
        rl_outstream = fopen("/dev/null", "w")
        rl_initialize()
        rl_prep_term_function = nil
        rl_deprep_term_function = nil
        rl_getc_function = { _ in
            guard pendingIndex < pendingInput.count else { return EOF }
            defer { pendingIndex += 1 }
            return Int32(pendingInput[pendingIndex])
        }
        rl_input_available_hook = { pendingIndex < pendingInput.count ? 1 : 0 }
        rl_redisplay_function = {}
        rl_completion_display_matches_hook = { matches, count, _ in
            guard let matches else { return }
            completionListing = (1...max(1, Int(count))).compactMap { matches[$0].map { String(cString: $0) } }
        }
        rl_variable_bind("bell-style", "none")
        rl_variable_bind("show-all-if-ambiguous", "on")
        rl_bind_key(3) { _, _ in
            rl_delete_text(0, rl_end)
            rl_point = 0
            return 0
        }
        rl_set_screen_size(Int32(rows), Int32(columns))
        try? FileManager.default.createDirectory(atPath: (historyPath as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        using_history()
        stifle_history(1000)
        wroteHistory = read_history(historyPath) == 0
        rl_callback_handler_install(AppState.prompt) { line in
            acceptedLines.append(line.map { String(cString: $0) })
            free(line)
        }
    }

    /// Feeds bytes to readline; returns the lines it accepted (`nil` is end of input, Ctrl-D).
    ///
    /// A character whose UTF-8 bytes arrive in two reads is held back until it is whole: readline
    /// asking for its next byte would otherwise get EOF in the middle of it.
    func feed(_ bytes: [UInt8]) -> [String?] {
        guard !bytes.isEmpty else { return [] }
        pendingInput.append(contentsOf: heldBack)
        pendingInput.append(contentsOf: bytes)
        let incomplete = UTF8Boundary.incompleteSuffixLength(pendingInput)
        heldBack = Array(pendingInput.suffix(incomplete))
        pendingInput.removeLast(incomplete)
        while pendingIndex < pendingInput.count {
            rl_callback_read_char()
        }
        pendingInput.removeAll(keepingCapacity: true)
        pendingIndex = 0
        defer { acceptedLines.removeAll() }
        return acceptedLines
    }

    /// Ambiguous completions readline wanted to list since the last call.
    func takeCompletionListing() -> [String] {
        defer { completionListing.removeAll() }
        return completionListing
    }

    /// The prompt readline shows (e.g. during Ctrl-R), the line, and the cursor in characters.
    var line: (prompt: String, text: String, cursor: Int) {
        let prompt = rl_display_prompt.map { String(cString: $0) } ?? AppState.prompt
        guard let buffer = rl_line_buffer else { return (prompt, "", 0) }
        let length = Int(rl_end)
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: length)
        let text = String(decoding: bytes, as: UTF8.self)
        let point = min(max(0, Int(rl_point)), length)
        let before = String(decoding: bytes.prefix(point), as: UTF8.self)
        return (prompt, text, before.count)
    }

    /// Records a line in the history and the history file.
    func remember(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return }
        if let last = history_get(history_length + history_base - 1), let text = last.pointee.line,
           String(cString: text) == trimmed { return }
        add_history(trimmed)
        using_history()  // back to the end of the list, so Up and Ctrl-R start from the newest line
        if wroteHistory { append_history(1, historyPath) } else { wroteHistory = write_history(historyPath) == 0 }
        history_truncate_file(historyPath, 1000)
    }

    /// Tells readline the new width.
    func resize(rows: Int, columns: Int) {
        rl_set_screen_size(Int32(rows), Int32(columns))
    }

    func remove() {
        rl_callback_handler_remove()
    }
}
