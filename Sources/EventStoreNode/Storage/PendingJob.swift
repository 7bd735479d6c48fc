/// A submitted job, type-erased over its result, waiting in the writer's queue.
///
/// Exactly one of `fail`, or the `acknowledge` closure returned by a successful `run`, is called:
/// each calls the submitter's completion.
struct PendingJob<State>: Sendable {
    /// Runs the job on the writer thread inside its savepoint.
    let run: @Sendable (inout State, inout WriteBatch) -> PendingJobOutcome
    /// Fails the submitter with `error` (the job was not run, or its batch did not commit).
    let fail: @Sendable (any Error) -> Void
}

/// What running a job produced.
enum PendingJobOutcome {
    /// The job returned; call `acknowledge` once its transaction has committed.
    case succeeded(acknowledge: @Sendable () -> Void)
    /// The job threw `error`; its appends must be rolled back.
    case failed(any Error)
}

extension PendingJob {
    /// Wraps `job`, calling `completion` (on the writer thread) with its result once committed, or its error.
    init<R: Sendable>(
        _ job: @escaping @Sendable (inout State, inout WriteBatch) throws -> R,
        completion: @escaping @Sendable (Result<R, any Error>) -> Void
    ) {
        run = { state, batch in
            do {
                let value = try job(&state, &batch)
                return .succeeded { completion(.success(value)) }
            } catch {
                return .failed(error)
            }
        }
        fail = { completion(.failure($0)) }
    }
}
