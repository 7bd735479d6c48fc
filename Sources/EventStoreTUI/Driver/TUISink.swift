import EventStoreShell

/// A ``ShellSink`` that posts output to the TUI's mailbox.
struct TUISink: ShellSink {
    let mailbox: Mailbox

    func emit(_ item: ShellOutputItem) {
        mailbox.post(.output(item))
    }
}
