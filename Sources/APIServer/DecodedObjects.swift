import KubeAPI
import KubeStore
import Synchronization

/// The parsed form of recently written or read stored values, so one write's object is not parsed
/// again by the next write to the same key (a pod's binding, status update and delete follow its
/// create within milliseconds) or by every watcher whose selector needs the object.
///
/// An entry is only returned for the exact bytes it was made from (same key, same revision, equal
/// bytes; the store hands back the very buffer that was written, so the comparison is usually an
/// identity check), so a hit always equals what parsing would give. Objects whose serialization
/// does not parse back to the same value (integral or non-finite doubles) are not kept.
///
/// Two generations of `capacity` entries each: a full young generation becomes the old one, so
/// recently used entries survive and memory stays bounded.
final class DecodedObjects: Sendable {
    private struct Entry {
        var revision: Int64
        var bytes: [UInt8]
        var object: JSON
    }

    private struct Generations {
        var young: [String: Entry] = [:]
        var old: [String: Entry] = [:]
    }

    private let state = Mutex(Generations())
    let capacity: Int

    /// The one cache of the process: entries are checked against the bytes, so servers sharing a
    /// process (tests) cannot see each other's objects wrongly.
    static let shared = DecodedObjects(capacity: 512)

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
    }

    /// The parsed value of `kv`, from the cache or parsed (and then remembered).
    func object(_ kv: KeyValue) throws(StatusError) -> JSON {
        if let hit = lookup(key: kv.key, revision: kv.modRevision, bytes: kv.value) { return hit }
        let object: JSON
        do {
            object = try JSON(parsing: kv.value)
        } catch {
            throw .internalError("stored object \(kv.key) is corrupt: \(error)")
        }
        remember(key: kv.key, revision: kv.modRevision, bytes: kv.value, object: object, checked: true)
        return object
    }

    /// Remembers `object` as the parsed form of `bytes`, its serialization, stored at `key` and
    /// `revision`. Skipped when parsing `bytes` could give something else (see the type's notes).
    func remember(key: String, revision: Int64, bytes: [UInt8], object: JSON, checked: Bool = false) {
        guard checked || object.parsesBackIdentically else { return }
        let entry = Entry(revision: revision, bytes: bytes, object: object)
        state.withLock { s in
            if s.young.count >= capacity {
                s.old = s.young
                s.young.removeAll(keepingCapacity: true)
            }
            s.young[key] = entry
        }
    }

    private func lookup(key: String, revision: Int64, bytes: [UInt8]) -> JSON? {
        let entry: Entry? = state.withLock { s in
            if let young = s.young[key] { return young }
            guard let old = s.old[key] else { return nil }
            // Used again: keep it in the young generation.
            if s.young.count < capacity { s.young[key] = old }
            return old
        }
        // Comparing outside the lock: the arrays are immutable values.
        guard let entry, entry.revision == revision, entry.bytes == bytes else { return nil }
        return entry.object
    }
}

extension JSON {
    /// True when `JSON(parsing: serialized())` equals `self`: false only for doubles that are
    /// written as integers or `null` (integral values under 1e15, infinities, NaN).
    var parsesBackIdentically: Bool {
        switch self {
        case .null, .bool, .int, .string: return true
        case .double(let d): return d.isFinite && !(d.rounded() == d && abs(d) < 1e15)
        case .array(let items): return items.allSatisfy(\.parsesBackIdentically)
        case .object(let members): return members.values.allSatisfy(\.parsesBackIdentically)
        }
    }
}
