import Foundation

/// The write end of the mailbox pipe, for the signal handlers (set before they are installed).
nonisolated(unsafe) var signalWakeFD: Int32 = -1

/// SIGWINCH, SIGTERM and SIGHUP only write a byte to the mailbox pipe; the UI thread does the rest.
enum Signals {
    static func install(writeFD: Int32) {
        signalWakeFD = writeFD
        signal(SIGWINCH) { _ in
            var byte = Mailbox.Signal.resize
            _ = write(signalWakeFD, &byte, 1)
        }
        let terminate: @convention(c) (Int32) -> Void = { _ in
            var byte = Mailbox.Signal.terminate
            _ = write(signalWakeFD, &byte, 1)
        }
        signal(SIGTERM, terminate)
        signal(SIGHUP, terminate)
    }

    static func restore() {
        signal(SIGWINCH, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        signal(SIGHUP, SIG_DFL)
    }
}
