@testable import EventStoreNode
import EventStoreWire
import Foundation
import Testing

/// ``UserStore`` as a fold over committed records: which events make, change and end an account.
@Suite struct UserStoreTests {
    /// Builds records in log order.
    struct Log {
        var records: [RecordedLogEvent] = []

        mutating func append(_ stream: String, _ number: Int64, _ type: String, _ data: [UInt8], at ms: Int64 = 1_000) {
            let position = Int64(records.count)
            records.append(RecordedLogEvent(stream: stream, number: number, eventID: UUID().dotNetBytes, type: type,
                                            isJSON: true, data: data, metadata: [], createdMs: ms,
                                            position: LogPosition(commit: position, prepare: position)))
        }

        mutating func account(_ login: String, _ number: Int64, password: String, groups: [String] = [], disabled: Bool = false,
                              at ms: Int64 = 1_000) {
            let record = UserRecord(login: login, fullName: login.uppercased(), groups: groups,
                                    password: PasswordHash(password: password, salt: Array(repeating: 7, count: 16)),
                                    disabled: disabled)
            append("$user-" + login, number, number == 0 ? "$UserCreated" : "$UserUpdated", record.json, at: ms)
        }

        mutating func list(_ login: String) {
            append("$users", Int64(records.filter { $0.stream == "$users" }.count), "$User", Array(login.utf8))
        }
    }

    @Test func accountsFollowTheirStreamsLastEvent() {
        let store = UserStore()
        var log = Log()
        log.account("alice", 0, password: "pw", groups: ["a"])
        log.list("alice")
        store.apply(log.records)
        #expect(store.authenticate(login: "alice", password: "pw") == NodeUser(login: "alice", password: "", groups: ["a"]))
        // Remembered, and still checked: a wrong password never matches.
        #expect(store.authenticate(login: "alice", password: "pw")?.groups == ["a"])
        #expect(store.authenticate(login: "alice", password: "PW") == nil)
        #expect(store.authenticate(login: "bob", password: "pw") == nil)

        var later = Log()
        later.account("alice", 1, password: "new", groups: ["b"], at: 2_000)
        store.apply(later.records)
        #expect(store.authenticate(login: "alice", password: "pw") == nil, "a remembered password is forgotten on change")
        #expect(store.authenticate(login: "alice", password: "new")?.groups == ["b"])
        #expect(store.account("alice")?.updatedMs == 2_000)
        #expect(store.account("alice")?.record.fullName == "ALICE")

        var disabled = Log()
        disabled.account("alice", 2, password: "new", disabled: true)
        store.apply(disabled.records)
        #expect(store.authenticate(login: "alice", password: "new") == nil)
        #expect(store.account("alice")?.record.disabled == true)
    }

    @Test func deletesAndTruncationEndAnAccount() {
        let store = UserStore()
        var log = Log()
        for login in ["soft", "hard", "cut", "junk"] {
            log.account(login, 0, password: "pw")
            log.list(login)
        }
        log.append("$$$user-soft", 0, "$metadata", Array(#"{"$tb":9223372036854775807}"#.utf8))
        log.append("$user-hard", Int64.max, "$streamDeleted", [])
        log.append("$$$user-cut", 0, "$metadata", Array(#"{"$tb":1}"#.utf8))
        log.append("$user-junk", 1, "$UserUpdated", Array("not json".utf8))
        store.apply(log.records)
        for login in ["soft", "hard", "cut", "junk"] {
            #expect(store.authenticate(login: login, password: "pw") == nil, "\(login)")
            #expect(store.account(login) == nil, "\(login)")
        }
        #expect(store.listedAccounts().isEmpty)
        // Recreating a soft-deleted account: a new event, then `$tb` moved to it (the undelete).
        var again = Log()
        again.account("soft", 1, password: "again")
        again.append("$$$user-soft", 1, "$metadata", Array(#"{"$tb":1}"#.utf8))
        store.apply(again.records)
        #expect(store.authenticate(login: "soft", password: "again") != nil)
        #expect(store.listedAccounts().map(\.record.login) == ["soft"])
    }

    @Test func onlyListedAccountsAreListedButAllAuthenticate() {
        let store = UserStore()
        var log = Log()
        log.account("zed", 0, password: "pw")
        log.account("amy", 0, password: "pw")
        log.list("zed")
        log.list("amy")
        log.account("unlisted", 0, password: "pw")
        store.apply(log.records)
        #expect(store.listedAccounts().map(\.record.login) == ["amy", "zed"])
        #expect(store.authenticate(login: "unlisted", password: "pw") != nil)
    }

    @Test func recordsReadAsTheServerWritesThem() throws {
        let hash = PasswordHash(password: "pw", salt: Array(repeating: 1, count: 16))
        let record = UserRecord(login: "alice", fullName: "Alice", groups: ["$admins", "x"], password: hash, disabled: true)
        let text = String(decoding: record.json, as: UTF8.self)
        #expect(text == #"{"loginName":"alice","fullName":"Alice","salt":"\#(hash.salt)","hash":"\#(hash.hash)","disabled":true,"groups":["$admins","x"]}"#)
        #expect(UserRecord(json: record.json, login: "alice") == record)
        // A body with only a hash and a salt is an account with defaults; the stream names it.
        let bare = try #require(UserRecord(json: Array(#"{"hash":"\#(hash.hash)","salt":"\#(hash.salt)"}"#.utf8), login: "bob"))
        #expect(bare.login == "bob" && bare.fullName == "" && bare.groups.isEmpty && !bare.disabled)
        #expect(UserRecord(json: Array(#"{"loginName":"x"}"#.utf8), login: "x") == nil)
    }
}
