

/// Access control lists of a stream (`$acl`): role or user names per operation.
public struct StreamACL: Sendable, Equatable {
    public var read: [String]?
    public var write: [String]?
    public var delete: [String]?
    public var metaRead: [String]?
    public var metaWrite: [String]?

    public init(read: [String]? = nil, write: [String]? = nil, delete: [String]? = nil,
                metaRead: [String]? = nil, metaWrite: [String]? = nil) {
        self.read = read
        self.write = write
        self.delete = delete
        self.metaRead = metaRead
        self.metaWrite = metaWrite
    }

    /// The roles for `operation`, or `nil` when this ACL does not say.
    public func roles(for operation: StreamOperation) -> [String]? {
        switch operation {
        case .read: return read
        case .write: return write
        case .delete: return delete
        case .metadataRead: return metaRead
        case .metadataWrite: return metaWrite
        }
    }

    /// Reads an `$acl`-shaped object; each value is a string or an array of strings.
    public init(json: JSONValue) {
        func roles(_ key: String) -> [String]? {
            switch json[key] {
            case .string(let role)?: return [role]
            case .array(let items)?: return items.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
            default: return nil
            }
        }
        self.init(read: roles("$r"), write: roles("$w"), delete: roles("$d"), metaRead: roles("$mr"), metaWrite: roles("$mw"))
    }

    /// The `$acl` object.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = []
        func add(_ key: String, _ roles: [String]?) {
            guard let roles else { return }
            pairs.append((key, roles.count == 1 ? .string(roles[0]) : .array(roles.map(JSONValue.string))))
        }
        add("$r", read)
        add("$w", write)
        add("$d", delete)
        add("$mr", metaRead)
        add("$mw", metaWrite)
        return .object(pairs)
    }
}

/// What a request does to a stream, for ACL checks.
public enum StreamOperation: Sendable {
    case read, write, delete, metadataRead, metadataWrite
}

/// A stream's metadata: the body of the latest `$metadata` event in `$$<stream>` (docs/protocol.md §4.13).
public struct StreamMetadata: Sendable, Equatable {
    /// Keep only the last N events.
    public var maxCount: Int64?
    /// Events older than this many seconds are invisible.
    public var maxAge: Int64?
    /// Events numbered below this are invisible; `Int64.max` marks a soft-deleted stream.
    public var truncateBefore: Int64?
    /// HTTP cache hint in seconds.
    public var cacheControl: Int64?
    /// Access control lists.
    public var acl: StreamACL?
    /// Every other key, in order, preserved as written.
    public var custom: [(String, JSONValue)]

    public init(maxCount: Int64? = nil, maxAge: Int64? = nil, truncateBefore: Int64? = nil,
                cacheControl: Int64? = nil, acl: StreamACL? = nil, custom: [(String, JSONValue)] = []) {
        self.maxCount = maxCount
        self.maxAge = maxAge
        self.truncateBefore = truncateBefore
        self.cacheControl = cacheControl
        self.acl = acl
        self.custom = custom
    }

    /// No metadata.
    public static let empty = StreamMetadata()

    /// Whether the stream is soft-deleted (`$tb` = `Int64.max`).
    public var isSoftDeleted: Bool { truncateBefore == Int64.max }

    /// Parses a metadata body; anything that is not a JSON object gives empty metadata.
    public init(jsonBytes: [UInt8]) {
        guard let json = try? JSONValue(parsing: jsonBytes) else {
            self = .empty
            return
        }
        self.init(json: json)
    }

    /// Reads the well-known keys and keeps the rest as custom metadata.
    public init(json: JSONValue) {
        self = .empty
        guard case .object(let pairs) = json else { return }
        func integer(_ value: JSONValue) -> Int64? {
            switch value {
            case .int(let v): return v
            case .double(let d) where d.isFinite && d == d.rounded() && abs(d) < 9.2e18: return Int64(d)
            default: return nil
            }
        }
        for (key, value) in pairs {
            switch key {
            case "$maxCount": maxCount = integer(value)
            case "$maxAge": maxAge = integer(value)
            case "$tb": truncateBefore = integer(value)
            case "$cacheControl": cacheControl = integer(value)
            case "$acl": acl = StreamACL(json: value)
            default: custom.append((key, value))
            }
        }
    }

    /// The metadata as a JSON object, well-known keys first.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = []
        if let maxCount { pairs.append(("$maxCount", .int(maxCount))) }
        if let maxAge { pairs.append(("$maxAge", .int(maxAge))) }
        if let truncateBefore { pairs.append(("$tb", .int(truncateBefore))) }
        if let cacheControl { pairs.append(("$cacheControl", .int(cacheControl))) }
        if let acl { pairs.append(("$acl", acl.json)) }
        pairs.append(contentsOf: custom)
        return .object(pairs)
    }

    public static func == (lhs: StreamMetadata, rhs: StreamMetadata) -> Bool {
        lhs.json == rhs.json
    }
}

/// The `$settings` stream's body: default ACLs for user and system streams.
public struct SystemSettings: Sendable, Equatable {
    public var userStreamACL: StreamACL?
    public var systemStreamACL: StreamACL?

    public init(userStreamACL: StreamACL? = nil, systemStreamACL: StreamACL? = nil) {
        self.userStreamACL = userStreamACL
        self.systemStreamACL = systemStreamACL
    }

    /// Parses a `$settings` event body; unparsable bodies give no defaults.
    public init(jsonBytes: [UInt8]) {
        guard let json = try? JSONValue(parsing: jsonBytes) else {
            self.init()
            return
        }
        self.init(userStreamACL: json["$userStreamAcl"].map(StreamACL.init(json:)),
                  systemStreamACL: json["$systemStreamAcl"].map(StreamACL.init(json:)))
    }
}
