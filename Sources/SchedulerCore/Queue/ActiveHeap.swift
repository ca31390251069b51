import FoundationEssentials

/// A binary min-heap of queue items in scheduling order; removals are lazy (the queue skips
/// items whose generation no longer matches its entry).
struct ActiveHeap: Sendable {
    struct Item: Sendable {
        var priority: Int64
        var created: Date
        var sequence: UInt64
        var key: String
        var generation: Int

        /// Upstream's PrioritySort: higher priority first, then older; the sequence keeps ties FIFO.
        func precedes(_ other: Item) -> Bool {
            if priority != other.priority { return priority > other.priority }
            if created != other.created { return created < other.created }
            return sequence < other.sequence
        }
    }

    private var items: [Item] = []

    var isEmpty: Bool { items.isEmpty }

    mutating func insert(_ item: Item) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].precedes(items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popMin() -> Item? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var first = parent
            if left < items.count && items[left].precedes(items[first]) { first = left }
            if right < items.count && items[right].precedes(items[first]) { first = right }
            if first == parent { break }
            items.swapAt(parent, first)
            parent = first
        }
        return top
    }
}
