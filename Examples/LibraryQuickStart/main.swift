import EventStoreClient

// Connect (the client reconnects, retries and follows the leader by itself).
let client = try EventStoreClient(connectionString: "tcp://admin:changeit@127.0.0.1:1113")

// Append: event ids are kept across retries, so a retried append is idempotent.
try await client.append(to: "orders-1", events: [
    EventData(type: "OrderPlaced", json: #"{"total": 12.5}"#),
    EventData(type: "OrderPaid", json: #"{"amount": 12.5}"#),
], expectedVersion: .any)

// Read: a back-pressured sequence that pages through the stream.
for try await event in client.readStream("orders-1") {
    print(event.originalNumber, event.event?.type ?? "", event.event?.dataText ?? "")
}

// Catch-up subscription: history, then live; resumes by itself after a reconnect.
for try await message in client.catchUp(stream: "orders-1") {
    switch message {
    case .event(let event): print("event", event.originalNumber)
    case .caughtUp: print("live now")
    case .fellBehind(let reason): print("catching up again:", reason)
    }
    break  // a real consumer keeps going
}
await client.close()
