/// An ``EventLog`` handed between threads while no thread uses it (in a pool, or on its way to the
/// writer thread). Whoever takes it out owns it exclusively until it is put back or closed.
struct EventLogBox: @unchecked Sendable {
    let log: EventLog
}
