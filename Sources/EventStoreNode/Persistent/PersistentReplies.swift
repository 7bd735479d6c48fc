import EventStoreWire

extension ESCreatePersistentSubscriptionCompleted {
    /// The reply to a Create, with EventStoreDB's reasons.
    init(_ outcome: PersistentSubscriptions.ManagementOutcome, group: String) {
        self.init()
        switch outcome {
        case .success: result = .success
        case .accessDenied: (result, reason) = (.accessDenied, "Access denied.")
        case .alreadyExists: (result, reason) = (.alreadyExists, "Group '\(group)' already exists.")
        case .doesNotExist: (result, reason) = (.fail, "Group '\(group)' does not exist.")
        case .fail(let text): (result, reason) = (.fail, text)
        }
    }
}

extension ESUpdatePersistentSubscriptionCompleted {
    /// The reply to an Update.
    init(_ outcome: PersistentSubscriptions.ManagementOutcome, group: String) {
        self.init()
        switch outcome {
        case .success: result = .success
        case .accessDenied: (result, reason) = (.accessDenied, "Access denied.")
        case .doesNotExist: (result, reason) = (.doesNotExist, "Group '\(group)' does not exist.")
        case .alreadyExists: (result, reason) = (.fail, "Group '\(group)' already exists.")
        case .fail(let text): (result, reason) = (.fail, text)
        }
    }
}

extension ESDeletePersistentSubscriptionCompleted {
    /// The reply to a Delete.
    init(_ outcome: PersistentSubscriptions.ManagementOutcome, group: String) {
        self.init()
        switch outcome {
        case .success: result = .success
        case .accessDenied: (result, reason) = (.accessDenied, "Access denied.")
        case .doesNotExist: (result, reason) = (.doesNotExist, "Group '\(group)' does not exist.")
        case .alreadyExists: (result, reason) = (.fail, "Group '\(group)' already exists.")
        case .fail(let text): (result, reason) = (.fail, text)
        }
    }
}
