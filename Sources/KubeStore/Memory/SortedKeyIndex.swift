/// The live values in key order, for prefix lists with paging.
///
/// A flat sorted array costs a memmove of the whole array per insert (100k keys: ~2 MB per write);
/// a dictionary cannot list in order. This is a one-level B-tree: sorted chunks of at most
/// `maxChunk` values, themselves ordered, so a write moves at most one chunk and finding a key is
/// two binary searches. Values are stored here (sharing their buffers with the `live` dictionary)
/// so a list is a straight walk with no hashing.
///
/// Keys are compared with `String.<`, which for the printable-ASCII keys the store accepts is the
/// same byte order SQLite uses for `ORDER BY name`, so in-memory and historical lists agree.
struct SortedKeyIndex: Sendable {
    static let maxChunk = 512

    private var chunks: [[KeyValue]] = []
    private(set) var count = 0

    /// Inserts `value`, or replaces the value stored under its key.
    mutating func upsert(_ value: KeyValue) {
        guard !chunks.isEmpty else {
            chunks = [[value]]
            count = 1
            return
        }
        // The first chunk whose last key is >= key; past the end, append to the last chunk.
        let c = min(chunkIndex(atOrAfter: value.key), chunks.count - 1)
        let position = Self.lowerBound(of: value.key, in: chunks[c])
        if position < chunks[c].count, chunks[c][position].key == value.key {
            chunks[c][position] = value
            return
        }
        count += 1
        chunks[c].insert(value, at: position)
        if chunks[c].count > Self.maxChunk {
            let upper = Array(chunks[c][(Self.maxChunk / 2)...])
            chunks[c].removeSubrange((Self.maxChunk / 2)...)
            chunks.insert(upper, at: c + 1)
        }
    }

    /// Removes the value stored under `key`, if any.
    mutating func remove(_ key: String) {
        let c = chunkIndex(atOrAfter: key)
        guard c < chunks.count else { return }
        let position = Self.lowerBound(of: key, in: chunks[c])
        guard position < chunks[c].count, chunks[c][position].key == key else { return }
        chunks[c].remove(at: position)
        count -= 1
        if chunks[c].isEmpty { chunks.remove(at: c) }
    }

    /// Calls `body` with each value whose key is >= `start` (> `start` when `inclusive` is false)
    /// and < `end`, in key order, until `body` returns false.
    func forEach(from start: String, inclusive: Bool, before end: String, _ body: (KeyValue) -> Bool) {
        var c = chunkIndex(atOrAfter: start)
        guard c < chunks.count else { return }
        var position = Self.lowerBound(of: start, in: chunks[c])
        if !inclusive, position < chunks[c].count, chunks[c][position].key == start { position += 1 }
        while c < chunks.count {
            let chunk = chunks[c]
            // Whole chunk below `end`: skip the per-key comparison.
            let bounded = chunk[chunk.count - 1].key >= end
            while position < chunk.count {
                if bounded, chunk[position].key >= end { return }
                guard body(chunk[position]) else { return }
                position += 1
            }
            c += 1
            position = 0
        }
    }

    /// Index of the first chunk whose last key is >= `key` (chunks.count if none).
    private func chunkIndex(atOrAfter key: String) -> Int {
        var low = 0, high = chunks.count
        while low < high {
            let mid = (low + high) / 2
            if chunks[mid][chunks[mid].count - 1].key < key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private static func lowerBound(of key: String, in chunk: [KeyValue]) -> Int {
        var low = 0, high = chunk.count
        while low < high {
            let mid = (low + high) / 2
            if chunk[mid].key < key { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
