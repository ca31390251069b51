/// The most recent watch events, so a watch resuming from a recent revision replays from memory.
///
/// Revisions are consecutive (the writer never leaves gaps), so the event with revision `r` sits at
/// offset `r - startRevision - 1` and a replay starts without searching.
struct EventRing: Sendable {
    let capacity: Int
    private var storage: [StoreEvent] = []
    private var head = 0
    /// The ring holds exactly the events with revisions in (startRevision, startRevision + count].
    private(set) var startRevision: Int64

    init(capacity: Int, startRevision: Int64) {
        self.capacity = max(capacity, 0)
        self.startRevision = startRevision
        storage.reserveCapacity(min(self.capacity, 1024))
    }

    var count: Int { storage.count }

    mutating func append(_ event: StoreEvent) {
        precondition(event.revision == startRevision + Int64(storage.count) + 1, "revision gap in ring")
        guard capacity > 0 else {
            startRevision = event.revision
            return
        }
        if storage.count < capacity {
            storage.append(event)
        } else {
            storage[head] = event
            head = (head + 1) % capacity
            startRevision += 1
        }
    }

    /// Events with revision > `revision` whose key starts with `prefix`, oldest first.
    /// `revision` must be >= `startRevision`.
    func events(after revision: Int64, prefix: String) -> [StoreEvent] {
        let skip = Int(max(revision - startRevision, 0))
        guard skip < storage.count else { return [] }
        var result: [StoreEvent] = []
        for offset in skip..<storage.count {
            let event = storage[(head + offset) % storage.count]
            if Keys.hasPrefix(event.current.key, prefix) { result.append(event) }
        }
        return result
    }
}
