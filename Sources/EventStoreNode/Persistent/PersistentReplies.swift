import EventStoreWire

extension PersistentSubscriptions.ManagementOutcome {
    /// The reason a reply carries, as EventStoreDB words it (none on success).
    func reason(group: String) -> String? {
        switch self {
        case .success: nil
        case .accessDenied: "Access denied."
        case .alreadyExists: "Group '\(group)' already exists."
        case .doesNotExist: "Group '\(group)' does not exist."
        case .fail(let text): text
        }
    }
}

extension ESCreatePersistentSubscriptionCompleted {
    /// The reply to a Create.
    init(_ outcome: PersistentSubscriptions.ManagementOutcome, group: String) {
        self.init()
        result = switch outcome {
        case .success: .success
        case .accessDenied: .accessDenied
        case .alreadyExists: .alreadyExists
        case .doesNotExist, .fail: .fail
        }
        if let reason = outcome.reason(group: group) { self.reason = reason }
    }
}

extension ESUpdatePersistentSubscriptionCompleted {
    /// The reply to an Update.
    init(_ outcome: PersistentSubscriptions.ManagementOutcome, group: String) {
        self.init()
        result = switch outcome {
        case .success: .success
        case .accessDenied: .accessDenied
        case .doesNotExist: .doesNotExist
        case .alreadyExists, .fail: .fail
        }
        if let reason = outcome.reason(group: group) { self.reason = reason }
    }
}

extension ESDeletePersistentSubscriptionCompleted {
    /// The reply to a Delete.
    init(_ outcome: PersistentSubscriptions.ManagementOutcome, group: String) {
        self.init()
        result = switch outcome {
        case .success: .success
        case .accessDenied: .accessDenied
        case .doesNotExist: .doesNotExist
        case .alreadyExists, .fail: .fail
        }
        if let reason = outcome.reason(group: group) { self.reason = reason }
    }
}
