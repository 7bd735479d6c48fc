import EventStoreClient
import EventStoreShell

/// Something for the UI thread: posted by the session, the client watcher and background loads.
enum TUIEvent: Sendable {
    /// Output of a command or a tail.
    case output(ShellOutputItem)
    /// A lifecycle event of the client.
    case client(ClientEvent)
    /// The phase when the UI starts (or after `connect`).
    case phase(ConnectionPhase)
    /// Where the session is connected and as whom.
    case connection(node: String, user: String)
    /// Operations queued or in flight.
    case inFlight(Int)
    /// Stream names for the streams pane.
    case streams([String])
    /// A page of the events pane.
    case eventsPage(stream: String, events: [EventView])
    /// Loading the events pane failed.
    case eventsFailed(stream: String, message: String)
    /// The session's running tails (id and target).
    case runningTails([TailInfo])
    /// A destructive command asks for confirmation.
    case confirm(String)
    /// A command of the prompt finished.
    case commandFinished(ShellOutcome)
}

/// A running tail as the session reports it.
struct TailInfo: Sendable, Equatable {
    var id: Int
    var target: String

    init(id: Int, target: String) {
        self.id = id
        self.target = target
    }
}

/// Something the UI thread must do after a key: talk to readline, load data, answer a question, or quit.
enum TUIAction: Equatable, Sendable {
    /// Feed these bytes to readline.
    case readline([UInt8])
    /// Load a page of a stream into the events pane (`from` nil: the last page).
    case loadEvents(stream: String, from: Int64?)
    /// Reload the stream names.
    case refreshStreams
    /// Answer the pending confirmation.
    case confirm(Bool)
    /// Leave the TUI.
    case quit
}
