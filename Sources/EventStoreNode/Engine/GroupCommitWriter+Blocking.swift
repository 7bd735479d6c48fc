import Dispatch
import Synchronization

extension GroupCommitWriter {
    /// Runs `job` and blocks the calling thread until its batch has committed. Only for start-up,
    /// before the node serves anyone (never on an event loop or the writer thread).
    func submitAndWait(_ job: @escaping @Sendable (inout State, inout WriteBatch) throws -> Void) throws {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<Void, any Error>>(.success(()))
        submit(job, completion: { result in
            outcome.withLock { $0 = result }
            done.signal()
        })
        done.wait()
        try outcome.withLock { $0 }.get()
    }
}
