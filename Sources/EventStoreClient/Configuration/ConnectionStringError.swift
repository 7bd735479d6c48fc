/// Why a connection string could not be turned into a ``ClientConfiguration``.
///
/// The ``description`` names the offending key (by its canonical name) and quotes the bad value:
/// `MaxRetries: "abc" is not an integer`, `DefaultUserCredentials: expected user:password`,
/// `ConnectTo: unsupported scheme "http"`.
///
/// ```swift
/// do { _ = try ClientConfiguration.parse(connectionString: "MaxRetries=abc") }
/// catch { print(error) }   // MaxRetries: "abc" is not an integer
/// ```
public struct ConnectionStringError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The canonical name of the key at fault (`MaxRetries`, `ConnectTo`, …), or `nil` for a problem with the
    /// string's overall shape.
    public var key: String?
    /// What is wrong, without the key prefix.
    public var message: String

    /// An error about `key` (or about the whole string when `key` is `nil`).
    public init(key: String?, message: String) {
        self.key = key
        self.message = message
    }

    /// A readable one-line form, for logs and error messages.
    public var description: String { key.map { "\($0): \(message)" } ?? message }
}

/// Something in a connection string that was accepted but deserves the user's attention, such as an unknown key.
///
/// The .NET client silently ignores unknown keys; this client ignores them too but reports them here so a
/// command-line tool can tell the user about a typo.
///
/// ```swift
/// for warning in try ClientConfiguration.parse(connectionString: "tcp://h:1113; MaxRetires=3").warnings {
///     print(warning.key, warning.message)   // MaxRetires: unknown key, ignored …
/// }
/// ```
public struct ConnectionStringWarning: Sendable, Hashable, CustomStringConvertible {
    /// The key as written (for unknown keys) or its canonical name.
    public var key: String
    /// What was noticed.
    public var message: String

    /// A warning about `key`.
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    /// A readable one-line form, for logs and error messages.
    public var description: String { "\(key): \(message)" }
}

/// The outcome of parsing a connection string: the configuration and any warnings.
///
/// ```swift
/// let parsed = try ClientConfiguration.parse(connectionString: "tcp://localhost:1113; HeartBeatTimeout=2000")
/// parsed.warnings.forEach { print("warning: \($0)") }
/// let client = EventStoreClient(configuration: parsed.configuration)
/// ```
public struct ParsedConnectionString: Sendable, Hashable {
    /// The configuration the string describes.
    public var configuration: ClientConfiguration
    /// Keys that were ignored or settings that have no effect, in the order they were found.
    public var warnings: [ConnectionStringWarning]

    /// A parse result.
    public init(configuration: ClientConfiguration, warnings: [ConnectionStringWarning]) {
        self.configuration = configuration
        self.warnings = warnings
    }
}
