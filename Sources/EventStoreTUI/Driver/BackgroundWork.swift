import EventStoreClient
import EventStoreShell
import Foundation

/// The Swift-concurrency side of the TUI: runs prompt commands in order, watches the client's
/// lifecycle for the header, and refreshes the stream list.
struct BackgroundWork: Sendable {
    let session: ShellSession
    let mailbox: Mailbox
    let commands: AsyncStream<String>
    let streamsChanged: (@Sendable ([String]) -> Void)?

    func start() -> [Task<Void, Never>] {
        [runCommands(), watchClient(), refreshStreamsPeriodically()]
    }

    /// Runs commands one at a time, so output keeps the order they were typed in.
    private func runCommands() -> Task<Void, Never> {
        Task { [session, mailbox, commands] in
            for await line in commands {
                let outcome = await session.execute(line)
                mailbox.post(.commandFinished(outcome))
                await postTails()
                await refreshStreams()
            }
        }
    }

    func postTails() async {
        let running = await session.runningTails.map { TailInfo(id: $0.id, target: $0.target) }
        mailbox.post(.runningTails(running))
    }

    func refreshStreams() async {
        let names = await session.streamNamesForCompletion()
        streamsChanged?(names)
        mailbox.post(.streams(names.filter { $0 != "$all" }))
    }

    private func refreshStreamsPeriodically() -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                await refreshStreams()
                try? await Task.sleep(for: .seconds(5))
            }
        }
    }

    /// Follows the session's client (it changes after `connect`): phases and heartbeats from its
    /// lifecycle events, the in-flight count twice a second.
    private func watchClient() -> Task<Void, Never> {
        Task { [session, mailbox] in
            var watched: EventStoreClient?
            var listener: Task<Void, Never>?
            while !Task.isCancelled {
                let client = await session.currentClient
                if watched !== client {
                    listener?.cancel()
                    watched = client
                    let events = client.events
                    listener = Task {
                        for await event in events { mailbox.post(.client(event)) }
                    }
                    mailbox.post(.phase(await client.phase))
                    mailbox.post(.connection(node: await session.nodeDescription,
                                             user: client.configuration.defaultCredentials?.login ?? "anonymous"))
                }
                mailbox.post(.inFlight(await client.operations.count))
                try? await Task.sleep(for: .milliseconds(500))
            }
            listener?.cancel()
        }
    }

    /// Loads a page of a stream into the events pane.
    func loadEvents(stream: String, from: Int64?) {
        Task { [session, mailbox] in
            do {
                let page = try await session.browse(stream: stream, from: from, count: AppState.pageSize)
                mailbox.post(.eventsPage(stream: stream, events: page))
            } catch {
                mailbox.post(.eventsFailed(stream: stream, message: (error as? EventStoreClientError)?.message ?? "\(error)"))
            }
        }
    }
}
