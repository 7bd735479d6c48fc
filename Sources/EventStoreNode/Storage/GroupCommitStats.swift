/// Counters of a ``GroupCommitWriter``, for tests and benchmarks.
public struct GroupCommitStats: Sendable, Equatable {
    /// Transactions committed.
    public var commits = 0
    /// Jobs acknowledged after their transaction committed.
    public var jobs = 0
    /// Records committed.
    public var events = 0

    /// Creates counters (all zero by default).
    public init(commits: Int = 0, jobs: Int = 0, events: Int = 0) {
        self.commits = commits
        self.jobs = jobs
        self.events = events
    }
}
