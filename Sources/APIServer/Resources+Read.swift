import FoundationEssentials
import KubeAPI
import KubeStore
import SwiftletCore

extension APIServer {
    func get(_ context: RequestContext, _ target: ResourceTarget) async throws -> Int {
        let name = try target.requireName()
        guard let kv = try await store.get(target.key(name: name)) else { throw target.notFound(name) }
        if context.format.table {
            let object = try Objects.decode(kv)
            let include = try IncludeObject.parse(context.query.value("includeObject"))
            let table = TablePrinter.table(for: target.definition, objects: [object], includeObject: include,
                                           resourceVersion: String(kv.modRevision), continueToken: nil,
                                           remainingItemCount: nil, withColumns: true, now: Date())
            try await context.send(bytes: table.serialized(), contentType: "application/json;as=Table;v=v1;g=meta.k8s.io")
        } else {
            try await context.send(bytes: kv.value)
        }
        return 200
    }

    func list(_ context: RequestContext, _ target: ResourceTarget) async throws -> Int {
        let query = context.query
        let filter = try ObjectFilter(query: query, definition: target.definition)
        let limit = try query.int("limit").flatMap { $0 > 0 ? Int($0) : nil }
        let page = try await readList(target: target, query: query, filter: filter, limit: limit)

        if context.format.table {
            let include = try IncludeObject.parse(query.value("includeObject"))
            var objects: [JSON] = []
            objects.reserveCapacity(page.items.count)
            for kv in page.items {
                if let parsed = page.parsed[kv.key] { objects.append(parsed) } else { objects.append(try Objects.decode(kv)) }
            }
            let table = TablePrinter.table(for: target.definition, objects: objects, includeObject: include,
                                           resourceVersion: String(page.revision), continueToken: page.continueToken,
                                           remainingItemCount: nil, withColumns: true, now: Date())
            try await context.send(bytes: table.serialized(), contentType: "application/json;as=Table;v=v1;g=meta.k8s.io")
            return 200
        }
        // The list is streamed from the stored bytes, without re-encoding each object and without
        // holding the whole answer in memory (a 10,000-pod list is ~30 MB).
        var out: [UInt8] = []
        out.reserveCapacity(APIServer.listChunkSize + 4096)
        out.append(contentsOf: #"{"kind":"\#(target.definition.kind)List","apiVersion":"\#(target.definition.apiVersion)","metadata":{"resourceVersion":"\#(page.revision)""#.utf8)
        if let token = page.continueToken {
            out.append(contentsOf: #","continue":"\#(token)""#.utf8)
        }
        out.append(contentsOf: #"},"items":["#.utf8)
        let total = page.items.reduce(0) { $0 + $1.value.count }
        if total < APIServer.listChunkSize {
            for (i, kv) in page.items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: kv.value)
            }
            out.append(contentsOf: "]}".utf8)
            try await context.send(bytes: out)
            return 200
        }
        try await context.writer.writeHead(status: .ok, headers: ["Content-Type": "application/json", "Cache-Control": "no-cache, private"])
        for (i, kv) in page.items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: kv.value)
            if out.count >= APIServer.listChunkSize {
                try await context.writer.writeBody(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        out.append(contentsOf: "]}".utf8)
        try await context.writer.writeBody(out)
        try await context.writer.end()
        if total >= APIServer.trimAfterBytes { MemoryTuning.trim() }
        return 200
    }

    /// Lists larger than this are sent in chunks of about this size.
    static let listChunkSize = 256 * 1024
    /// After answers this large, freed memory is handed back to the system.
    static let trimAfterBytes = 4 * 1024 * 1024

    struct ListPage {
        var items: [KeyValue]
        var parsed: [String: JSON]
        var revision: Int64
        var continueToken: String?
    }

    /// Reads one page honouring resourceVersion, resourceVersionMatch, continue and the selectors.
    func readList(target: ResourceTarget, query: Query, filter: ObjectFilter, limit: Int?) async throws -> ListPage {
        let rvText = query.value("resourceVersion") ?? ""
        let match = query.value("resourceVersionMatch") ?? ""
        let continueText = query.value("continue") ?? ""
        if !match.isEmpty {
            guard match == "NotOlderThan" || match == "Exact" else {
                throw StatusError.badRequest("resourceVersionMatch: Unsupported value: \"\(match)\": supported values: \"Exact\", \"NotOlderThan\"")
            }
            if rvText.isEmpty {
                throw StatusError.badRequest("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided")
            }
            if match == "Exact", rvText == "0" {
                throw StatusError.badRequest("resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"")
            }
        }
        if !continueText.isEmpty, !rvText.isEmpty, rvText != "0" || !match.isEmpty {
            throw StatusError.badRequest("resourceVersion: Forbidden: specifying resource version is not allowed when using continue")
        }
        var revision: Int64? = nil
        var startAfter: String? = nil
        if !continueText.isEmpty {
            let token = try ContinueToken.decode(continueText, prefix: target.prefix)
            revision = token.revision
            startAfter = token.startAfter
        } else if !rvText.isEmpty, rvText != "0" {
            guard let rv = Int64(rvText), rv > 0 else {
                throw StatusError.badRequest("invalid resource version \"\(rvText)\"")
            }
            if match == "Exact" {
                revision = rv
            } else {
                let current = try await store.currentRevision()
                if rv > current {
                    throw StoreError.futureRevision(requested: rv, current: current).status(for: target, name: "")
                }
            }
        }

        var items: [KeyValue] = []
        var parsed: [String: JSON] = [:]
        var listRevision: Int64 = 0
        var cursor = startAfter
        let wanted = limit ?? Int.max
        while true {
            let batch = limit.map { filter.isEverything ? $0 + 1 - items.count : max(256, $0 * 2) }
            let result: (items: [KeyValue], revision: Int64, more: Bool)
            do {
                result = try await store.list(prefix: target.prefix, revision: revision, startAfter: cursor, limit: batch)
            } catch let error as StoreError {
                if case .compacted = error, !continueText.isEmpty {
                    throw StatusError.expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
                }
                throw error.status(for: target, name: "")
            }
            listRevision = result.revision
            revision = result.revision  // later batches read the same snapshot
            for kv in result.items {
                cursor = kv.key
                if filter.isEverything {
                    items.append(kv)
                } else {
                    let object = try Objects.decode(kv)
                    if filter.matches(object) {
                        items.append(kv)
                        parsed[kv.key] = object
                    }
                }
                if items.count > wanted { break }
            }
            if items.count > wanted || !result.more || result.items.isEmpty { break }
        }
        var token: String? = nil
        if items.count > wanted {
            items.removeLast(items.count - wanted)
            token = ContinueToken(revision: listRevision, startAfter: items.last!.key).encoded(prefix: target.prefix)
        }
        return ListPage(items: items, parsed: parsed, revision: listRevision, continueToken: token)
    }
}

/// `metadata.continue`: the snapshot revision and the last key returned, base64 JSON like upstream's.
struct ContinueToken {
    var revision: Int64
    var startAfter: String

    func encoded(prefix: String) -> String {
        let relative = String(startAfter.dropFirst(prefix.count))
        let json: JSON = ["v": "swiftlet.k8s.io/v1", "rv": .int(revision), "start": .string(relative)]
        return Data(json.serialized()).base64EncodedString()
    }

    static func decode(_ text: String, prefix: String) throws(StatusError) -> ContinueToken {
        var padded = text.replacing("-", with: "+").replacing("_", with: "/")
        while padded.count % 4 != 0 { padded += "=" }
        guard let data = Data(base64Encoded: padded),
              let json = try? JSON(parsing: Array(data)),
              json["v"].stringValue == "swiftlet.k8s.io/v1",
              let rv = json["rv"].intValue, rv > 0,
              let start = json["start"].stringValue, !start.contains("..")
        else {
            throw StatusError.badRequest("continue key is not valid: incorrect encoded start resourceVersion (version swiftlet.k8s.io/v1)")
        }
        return ContinueToken(revision: rv, startAfter: prefix + start)
    }
}
