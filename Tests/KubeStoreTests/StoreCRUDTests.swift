import Testing
@testable import KubeStore

@Suite struct StoreCRUDTests {
    @Test func createGetUpdateDelete() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        let created = try await store.create("/registry/pods/default/a", "v1")
        #expect(created == KeyValue(key: "/registry/pods/default/a", value: bytes("v1"), createRevision: 1, modRevision: 1))
        #expect(try await store.get("/registry/pods/default/a") == created)
        #expect(try await store.get("/registry/pods/default/missing") == nil)

        let updated = try await store.update("/registry/pods/default/a", expectedRevision: nil) { current, revision in
            #expect(current == created)
            #expect(revision == 2)
            return bytes(text(current.value) + "+v2")
        }
        #expect(updated.value == bytes("v1+v2"))
        #expect(updated.createRevision == 1)
        #expect(updated.modRevision == 2)

        let deleted = try await store.delete("/registry/pods/default/a", expectedRevision: nil)
        #expect(deleted == KeyValue(key: "/registry/pods/default/a", value: bytes("v1+v2"), createRevision: 1, modRevision: 3))
        #expect(try await store.get("/registry/pods/default/a") == nil)
        #expect(try await store.currentRevision() == 3)

        // A deleted key can be created again, with a new create revision.
        let again = try await store.create("/registry/pods/default/a", "v3")
        #expect(again.createRevision == 4)
        #expect(again.modRevision == 4)
        await store.close()
    }

    @Test func encoderReceivesItsRevision() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        try await store.create("/k/x", "x")
        let value = try await store.create("/k/y") { revision in bytes("rv=\(revision)") }
        #expect(value.value == bytes("rv=2"))
        #expect(value.modRevision == 2)
        await store.close()
    }

    enum WriteCase: String, CaseIterable {
        case createExisting, updateMissing, deleteMissing, updateStale, deleteStale
    }

    @Test(arguments: WriteCase.allCases)
    func writeErrors(_ writeCase: WriteCase) async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        let existing = try await store.create("/k/live", "1")
        try await store.put("/k/live", "2")  // modRevision 2
        let expected: StoreError
        do {
            switch writeCase {
            case .createExisting:
                expected = .alreadyExists(key: "/k/live")
                try await store.create("/k/live", "x")
            case .updateMissing:
                expected = .notFound(key: "/k/none")
                try await store.put("/k/none", "x")
            case .deleteMissing:
                expected = .notFound(key: "/k/none")
                _ = try await store.delete("/k/none", expectedRevision: nil)
            case .updateStale:
                expected = .conflict(key: "/k/live", currentRevision: 2)
                try await store.put("/k/live", "x", expectedRevision: existing.modRevision)
            case .deleteStale:
                expected = .conflict(key: "/k/live", currentRevision: 2)
                _ = try await store.delete("/k/live", expectedRevision: 1)
            }
            Issue.record("write succeeded")
            return
        } catch let error as StoreError {
            #expect(error == expected)
        }
        // The failed write used no revision and changed nothing.
        #expect(try await store.currentRevision() == 2)
        #expect(try await store.get("/k/live")?.value == bytes("2"))
        #expect(try await store.create("/k/next", "n").modRevision == 3)
        await store.close()
    }

    @Test func matchingExpectedRevisionSucceeds() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        let first = try await store.create("/k/a", "1")
        let second = try await store.put("/k/a", "2", expectedRevision: first.modRevision)
        let gone = try await store.delete("/k/a", expectedRevision: second.modRevision)
        #expect(gone.modRevision == 3)
        await store.close()
    }

    struct EncoderFailure: Error, Equatable {}

    @Test func throwingEncoderFailsOnlyItsWriteAndLeavesNoGap() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<20 {
                group.addTask {
                    do {
                        try await store.create("/k/\(i)") { _ in
                            if i % 4 == 0 { throw EncoderFailure() }
                            return bytes("\(i)")
                        }
                        #expect(i % 4 != 0)
                    } catch {
                        #expect(i % 4 == 0)
                        #expect(error as? EncoderFailure == EncoderFailure())
                    }
                }
            }
        }
        let (items, revision, _) = try await store.list(prefix: "/k/", revision: nil, startAfter: nil, limit: nil)
        #expect(items.count == 15)
        #expect(revision == 15)
        #expect(Set(items.map(\.modRevision)) == Set(1...15))
        await store.close()
    }

    @Test func transformReturningNilChangesNothing() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        let created = try await store.create("/k/a", "1")
        let result = try await store.update("/k/a", expectedRevision: nil) { _, _ in nil }
        #expect(result == created)
        #expect(try await store.currentRevision() == 1)
        await store.close()
    }

    @Test(arguments: ["", "/k/caf\u{E9}", "/k/tab\there", "/k/nul\u{0}", "<3000 bytes>"])
    func invalidKeysAreRejected(_ name: String) async throws {
        let key = name == "<3000 bytes>" ? "/k/" + String(repeating: "x", count: 3000) : name
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        await #expect(throws: StoreError.self) { try await store.create(key, "x") }
        await #expect(throws: StoreError.self) { try await store.put(key, "x") }
        await #expect(throws: StoreError.self) { try await store.delete(key, expectedRevision: nil) }
        #expect(try await store.get(key) == nil)
        #expect(try await store.currentRevision() == 0)
        await store.close()
    }

    @Test func oversizedValueIsRejected() async throws {
        let dir = TemporaryDirectory()
        var options = testOptions()
        options.maxValueBytes = 1024
        let store = try openStore(dir, options)
        await #expect(throws: StoreError.self) {
            try await store.create("/k/big") { _ in [UInt8](repeating: 1, count: 1025) }
        }
        #expect(try await store.create("/k/ok") { _ in [UInt8](repeating: 1, count: 1024) }.modRevision == 1)
        #expect(try await store.create("/k/empty") { _ in [] }.value == [])
        #expect(try await store.get("/k/empty")?.value == [])
        await store.close()
    }

    @Test func closedStoreRejectsCalls() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        try await store.create("/k/a", "1")
        await store.close()
        await #expect(throws: StoreError.closed) { try await store.create("/k/b", "2") }
        await #expect(throws: StoreError.closed) { try await store.get("/k/a") }
        await #expect(throws: StoreError.closed) { try await store.watch(prefix: "/", afterRevision: 0) }
        #expect(await store.ping() == false)
    }

    @Test func pingAndSize() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        #expect(await store.ping())
        #expect(store.databaseSize > 0)
        await store.close()
    }

    @Test func openFailsClearlyForBadPath() {
        #expect(throws: StoreError.self) {
            try SQLiteStore.open(path: "/nonexistent-dir/x/state.db", options: testOptions())
        }
    }
}
