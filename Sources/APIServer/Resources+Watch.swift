import FoundationEssentials
import KubeAPI
import KubeStore
import NIOHTTP1
import Synchronization

extension APIServer {
    /// Streams newline-delimited watch events (JSON or one-row Tables) until the timeout, the
    /// client leaving, or an error event.
    func watch(_ context: RequestContext, _ target: ResourceTarget) async throws -> Int {
        let query = context.query
        var filterBuilder = try ObjectFilter(query: query, definition: target.definition)
        if let name = target.name {
            // `GET .../pods/web?watch=true` watches one object.
            let byName = try FieldSelector(parsing: "metadata.name=\(FieldSelector.escape(name))")
            if let existing = filterBuilder.fields {
                filterBuilder.fields = try FieldSelector(parsing: existing.description + "," + byName.description)
            } else {
                filterBuilder.fields = byName
            }
        }
        let filter = filterBuilder
        let bookmarks = query.bool("allowWatchBookmarks")
        let timeout: Duration
        if let seconds = try query.int("timeoutSeconds"), seconds > 0 {
            timeout = .seconds(seconds)
        } else {
            timeout = .seconds(Int.random(in: watchTuning.defaultTimeout))
        }
        let rvText = query.value("resourceVersion") ?? ""
        var startRevision: Int64
        var initial: [KeyValue] = []
        // The streaming-list form (`sendInitialEvents=true`, NotOlderThan): current state as ADDED
        // events, then a bookmark marking their end.
        let sendInitial = query.bool("sendInitialEvents")
        if query.value("sendInitialEvents") != nil {
            guard query.value("resourceVersionMatch") == "NotOlderThan" else {
                throw StatusError.badRequest("sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless resourceVersionMatch=NotOlderThan")
            }
            if sendInitial, !bookmarks {
                throw StatusError.badRequest("sendInitialEvents: Forbidden: sendInitialEvents requires allowWatchBookmarks=true")
            }
        }
        if sendInitial || rvText.isEmpty || rvText == "0" {
            // "Start at most recent": synthetic ADDED events for the current state first.
            let listed = try await store.list(prefix: target.prefix, revision: nil, startAfter: nil, limit: nil)
            initial = listed.items
            startRevision = listed.revision
        } else {
            guard let rv = Int64(rvText), rv > 0 else { throw StatusError.badRequest("invalid resource version \"\(rvText)\"") }
            startRevision = rv
        }

        let encoder = WatchEncoder(definition: target.definition, table: context.format.table,
                                   includeObject: try IncludeObject.parse(query.value("includeObject")))
        let contentType = context.format.table ? "application/json;as=Table;v=v1;g=meta.k8s.io" : "application/json"
        let events: AsyncThrowingStream<[StoreEvent], Error>
        do {
            events = try await store.watchBatches(prefix: target.prefix, afterRevision: startRevision)
        } catch let error as StoreError {
            // Upstream answers 200 and a single ERROR event for an expired resourceVersion.
            try await context.writer.writeHead(status: .ok, headers: ["Content-Type": contentType, "Cache-Control": "no-cache, private"])
            try await context.writer.writeBody(encoder.error(error.status(for: target, name: "")))
            try await context.writer.end()
            return 200
        }
        try await context.writer.writeHead(status: .ok, headers: ["Content-Type": contentType, "Cache-Control": "no-cache, private"])
        let progress = RevisionBox(startRevision)
        let writer = context.writer
        for kv in initial {
            let object = try Objects.decode(kv)
            if filter.matches(object) { try await writer.writeBody(encoder.event("ADDED", object)) }
        }
        if sendInitial {
            try await writer.writeBody(encoder.bookmark(revision: startRevision, initialEventsEnd: true))
        }
        let bookmarkInterval = watchTuning.bookmarkInterval
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // The events of one batch (usually one group commit) go out in one write:
                    // one HTTP/2 frame and TLS record instead of one per event.
                    for try await batch in events {
                        var lines: [UInt8] = []
                        for event in batch {
                            if let line = try encoder.line(for: event, filter: filter) { lines.append(contentsOf: line) }
                        }
                        if !lines.isEmpty { try await writer.writeBody(lines) }
                        if let last = batch.last { progress.store(last.revision) }
                    }
                }
                group.addTask { try await Task.sleep(for: timeout) }
                if bookmarks {
                    group.addTask {
                        while true {
                            try await Task.sleep(for: bookmarkInterval)
                            try await writer.writeBody(encoder.bookmark(revision: progress.load()))
                        }
                    }
                }
                _ = try await group.next()
                group.cancelAll()
            }
        } catch let error as StoreError {
            // A watcher that fell too far behind: tell it to re-watch, as upstream does with 410.
            try? await writer.writeBody(encoder.error(StatusError.expired("watch fell behind: \(error)")))
        }
        try await writer.end()
        return 200
    }
}

/// Encodes watch events as newline-terminated JSON, as plain objects or one-row Tables.
final class WatchEncoder: Sendable {
    let definition: ResourceDefinition
    let table: Bool
    let includeObject: IncludeObject
    private let sentColumns = Atomic<Bool>(false)

    init(definition: ResourceDefinition, table: Bool, includeObject: IncludeObject) {
        self.definition = definition
        self.table = table
        self.includeObject = includeObject
    }

    /// nil when the event does not concern this watcher's selection. An object that stops
    /// matching is reported DELETED and one that starts matching ADDED, like upstream's cacher.
    func line(for event: StoreEvent, filter: ObjectFilter) throws -> [UInt8]? {
        switch event.kind {
        case .created:
            if filter.isEverything, !table { return raw("ADDED", event.current.value) }
            let object = try Objects.decode(event.current)
            return filter.matches(object) ? stored("ADDED", object, event.current.value) : nil
        case .updated:
            if filter.isEverything, !table { return raw("MODIFIED", event.current.value) }
            let object = try Objects.decode(event.current)
            let now = filter.matches(object)
            let before = try event.previous.map { filter.matches(try Objects.decode($0)) } ?? false
            switch (before, now) {
            case (_, true): return stored(before ? "MODIFIED" : "ADDED", object, event.current.value)
            case (true, false):
                var gone = object
                gone["metadata"]["resourceVersion"] = .string(String(event.revision))
                return self.event("DELETED", gone)
            default: return nil
            }
        case .deleted:
            // The last value is the previous one: decoding that finds it among the parsed objects.
            var object = try Objects.decode(event.previous ?? event.current)
            guard filter.matches(object) else { return nil }
            object["metadata"]["resourceVersion"] = .string(String(event.revision))
            return self.event("DELETED", object)
        }
    }

    /// An event for a stored value: its bytes as they are (they are the object's serialization),
    /// or a Table row built from the parsed object.
    private func stored(_ type: String, _ object: JSON, _ bytes: [UInt8]) -> [UInt8] {
        table ? event(type, object) : raw(type, bytes)
    }

    private func raw(_ type: String, _ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 32)
        out.append(contentsOf: #"{"type":"\#(type)","object":"#.utf8)
        out.append(contentsOf: bytes)
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    func event(_ type: String, _ object: JSON) -> [UInt8] {
        guard table else { return raw(type, object.serialized()) }
        let first = !sentColumns.exchange(true, ordering: .relaxed)
        let rv = object["metadata"]["resourceVersion"].stringValue ?? ""
        let table = TablePrinter.table(for: definition, objects: [object], includeObject: includeObject,
                                       resourceVersion: rv, continueToken: nil, remainingItemCount: nil,
                                       withColumns: first, now: Date())
        return raw(type, table.serialized())
    }

    func bookmark(revision: Int64, initialEventsEnd: Bool = false) -> [UInt8] {
        var metadata: JSON = ["resourceVersion": .string(String(revision))]
        if initialEventsEnd { metadata["annotations"] = ["k8s.io/initial-events-end": "true"] }
        let object: JSON = ["kind": .string(definition.kind), "apiVersion": .string(definition.apiVersion), "metadata": metadata]
        return raw("BOOKMARK", object.serialized())
    }

    func error(_ status: StatusError) -> [UInt8] {
        raw("ERROR", status.status.serialized())
    }
}
