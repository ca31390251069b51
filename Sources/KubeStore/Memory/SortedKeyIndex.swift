/// The live keys in sorted order, for prefix listing with paging.
///
/// A flat sorted array costs a memmove of the whole array per insert (100k keys: ~1.6 MB per write);
/// a dictionary cannot list in order. This is a one-level B-tree: sorted chunks of at most
/// `maxChunk` keys, themselves ordered, so an insert or remove moves at most one chunk and finding a
/// prefix is two binary searches.
///
/// Keys are compared with `String.<`, which for the printable-ASCII keys the store accepts is the
/// same byte order SQLite uses for `ORDER BY name`, so in-memory and historical lists agree.
struct SortedKeyIndex: Sendable {
    static let maxChunk = 512

    private var chunks: [[String]] = []
    private(set) var count = 0

    /// Inserts a key that is not yet present.
    mutating func insert(_ key: String) {
        count += 1
        guard !chunks.isEmpty else {
            chunks = [[key]]
            return
        }
        // The first chunk whose last key is >= key; past the end, append to the last chunk.
        let c = min(chunkIndex(atOrAfter: key), chunks.count - 1)
        let position = Self.lowerBound(of: key, in: chunks[c])
        precondition(position == chunks[c].count || chunks[c][position] != key, "duplicate key")
        chunks[c].insert(key, at: position)
        if chunks[c].count > Self.maxChunk {
            let upper = Array(chunks[c][(Self.maxChunk / 2)...])
            chunks[c].removeSubrange((Self.maxChunk / 2)...)
            chunks.insert(upper, at: c + 1)
        }
    }

    /// Removes a key if present.
    mutating func remove(_ key: String) {
        let c = chunkIndex(atOrAfter: key)
        guard c < chunks.count else { return }
        let position = Self.lowerBound(of: key, in: chunks[c])
        guard position < chunks[c].count, chunks[c][position] == key else { return }
        chunks[c].remove(at: position)
        count -= 1
        if chunks[c].isEmpty { chunks.remove(at: c) }
    }

    /// Calls `body` with each key >= `start` (or > `start` when `inclusive` is false) in order,
    /// until `body` returns false.
    func forEach(from start: String, inclusive: Bool, _ body: (String) -> Bool) {
        var c = chunkIndex(atOrAfter: start)
        guard c < chunks.count else { return }
        var position = Self.lowerBound(of: start, in: chunks[c])
        if !inclusive, position < chunks[c].count, chunks[c][position] == start { position += 1 }
        while c < chunks.count {
            let chunk = chunks[c]
            while position < chunk.count {
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
            if chunks[mid][chunks[mid].count - 1] < key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private static func lowerBound(of key: String, in chunk: [String]) -> Int {
        var low = 0, high = chunk.count
        while low < high {
            let mid = (low + high) / 2
            if chunk[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
