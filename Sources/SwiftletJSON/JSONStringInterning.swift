#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Lets parsed documents share the storage of repeated strings.
///
/// A Swift string longer than 15 UTF-8 bytes lives in its own heap allocation, and the objects a
/// component caches repeat the same long strings thousands of times: keys such as
/// `creationTimestamp` or `terminationMessagePath`, timestamps of the same second, owner uids,
/// image names. With interning on, the parser looks each such string up in a small direct-mapped
/// table of recent strings and reuses the stored instance when the bytes match, which takes about
/// a quarter off the memory of a cached pod for about a fifth more parse time.
///
/// Off by default (the API server parses and drops most documents); long-running clients that
/// keep informer caches turn it on once at start.
public enum JSONStringInterning {
    /// Strings in this length range are interned: shorter ones are stored inline anyway, longer
    /// ones rarely repeat.
    static let lengths = 16...64
    static let slotCount = 4096
    static let enabled = Atomic<Bool>(false)
    static let table = Mutex<[String?]>(Array(repeating: nil, count: slotCount))

    /// Turns interning on for every parse in this process from now on.
    public static func enable() {
        enabled.store(true, ordering: .relaxed)
    }

    /// Whether parses intern strings.
    public static var isEnabled: Bool { enabled.load(ordering: .relaxed) }

    /// The string for `bytes` (valid UTF-8 without escapes), shared with an earlier identical one
    /// when the table still holds it.
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let slot = self.slot(bytes)
        let hit = table.withLock { table -> String? in
            guard var candidate = table[slot] else { return nil }
            let equal = candidate.withUTF8 { stored in
                stored.count == bytes.count && memcmp(stored.baseAddress!, bytes.baseAddress!, bytes.count) == 0
            }
            return equal ? candidate : nil
        }
        if let hit { return hit }
        let fresh = String(decoding: bytes, as: UTF8.self)
        table.withLock { $0[slot] = fresh }
        return fresh
    }

    /// A cheap hash of the length and the first and last eight bytes (where timestamps, uids and
    /// generated names differ), reduced to a slot.
    @inline(__always)
    static func slot(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let raw = UnsafeRawBufferPointer(bytes)
        let head = raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
        let tail = raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self)
        var h = head &* 0x9E37_79B9_7F4A_7C15
        h ^= (tail &+ UInt64(raw.count)) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= h >> 29
        return Int(truncatingIfNeeded: h) & (slotCount - 1)
    }
}
