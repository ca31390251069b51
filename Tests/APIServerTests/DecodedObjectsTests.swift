import KubeAPI
import KubeStore
import Testing
@testable import APIServer

@Suite struct DecodedObjectsTests {
    static func kv(_ key: String, _ revision: Int64, _ bytes: [UInt8]) -> KeyValue {
        KeyValue(key: key, value: bytes, createRevision: 1, modRevision: revision)
    }

    /// A remembered object comes back for its own bytes; any other key, revision or bytes is parsed.
    @Test func hitsOnlyForTheSameKeyRevisionAndBytes() throws {
        let cache = DecodedObjects(capacity: 8)
        let object: JSON = ["metadata": ["name": "a", "resourceVersion": "5"], "spec": ["n": 1]]
        let bytes = object.serialized()
        // A marker the serialized bytes do not carry: returned only from the cache.
        var marked = object
        marked["marker"] = true
        cache.remember(key: "/k/a", revision: 5, bytes: bytes, object: marked)
        #expect(try cache.object(Self.kv("/k/a", 5, bytes)) == marked)
        #expect(try cache.object(Self.kv("/k/a", 5, Array(bytes))) == marked)  // equal bytes, other buffer
        #expect(try cache.object(Self.kv("/k/a", 6, bytes)) == object)
        #expect(try cache.object(Self.kv("/k/b", 5, bytes)) == object)
        let other: JSON = ["metadata": ["name": "a", "resourceVersion": "5"], "spec": ["n": 2]]
        #expect(try cache.object(Self.kv("/k/a", 5, other.serialized())) == other)
    }

    /// Doubles written as integers parse back as integers: such objects are not remembered.
    @Test(arguments: [
        (JSON.double(2), false), (.double(0.5), true), (.double(1e20), true), (.double(.infinity), false),
        (.int(2), true), (.string("x"), true), (.array([.double(-0.0)]), false),
    ])
    func rememberedOnlyWhenParsingGivesTheSameValue(value: JSON, kept: Bool) throws {
        let object: JSON = ["metadata": ["name": "a"], "value": value]
        #expect(object.parsesBackIdentically == kept)
        #expect(try (JSON(parsing: object.serialized()) == object) == kept)
        let cache = DecodedObjects(capacity: 8)
        let bytes = object.serialized()
        cache.remember(key: "/k/a", revision: 1, bytes: bytes, object: object)
        #expect(try cache.object(Self.kv("/k/a", 1, bytes)) == JSON(parsing: bytes))
    }

    /// Corrupt stored bytes are an internal error, not a crash.
    @Test func corruptBytesAreAnInternalError() {
        let cache = DecodedObjects(capacity: 8)
        #expect(throws: StatusError.self) { try cache.object(Self.kv("/k/a", 1, Array("{\"a\":".utf8))) }
    }

    /// Past its capacity the cache forgets the oldest generation but stays correct.
    @Test func boundedAndStillCorrect() throws {
        let cache = DecodedObjects(capacity: 2)
        var stored: [KeyValue] = []
        for i in 0..<10 {
            let object: JSON = ["metadata": ["name": .string("o\(i)")]]
            let kv = Self.kv("/k/\(i)", Int64(i + 1), object.serialized())
            cache.remember(key: kv.key, revision: kv.modRevision, bytes: kv.value, object: object)
            stored.append(kv)
        }
        for (i, kv) in stored.enumerated() {
            #expect(try cache.object(kv)["metadata"]["name"].stringValue == "o\(i)")
        }
    }

    /// UIDs have the version-4 UUID form and differ.
    @Test func uidsAreVersion4UUIDs() {
        let uids = (0..<100).map { _ in Objects.newUID() }
        #expect(Set(uids).count == 100)
        for uid in uids {
            let parts = uid.split(separator: "-").map(String.init)
            #expect(parts.map(\.count) == [8, 4, 4, 4, 12], "\(uid)")
            #expect(uid.allSatisfy { "0123456789abcdef-".contains($0) })
            #expect(parts[2].first == "4")
            #expect("89ab".contains(parts[3].first!))
        }
    }
}
