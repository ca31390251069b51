import KubeAPI

/// Decoding request bodies (JSON, YAML, protobuf) and choosing response encodings.
enum Codec {
    /// Decodes a write's body by its Content-Type. A missing Content-Type means JSON.
    static func decodeBody(_ body: [UInt8], contentType: String?) throws(StatusError) -> JSON {
        let media = (contentType ?? "application/json").split(separator: ";").first.map {
            $0.trimmedSpaces.lowercased()
        } ?? "application/json"
        switch media {
        case "application/json", "", "*/*":
            return try decodeJSON(body)
        case "application/yaml", "application/x-yaml", "text/yaml":
            return try decodeYAML(body)
        case KubeProtobuf.mediaType:
            return try KubeProtobuf.decode(body)
        default:
            throw StatusError.unsupportedMediaType(media)
        }
    }

    static func decodeJSON(_ body: [UInt8]) throws(StatusError) -> JSON {
        do {
            return try JSON(parsing: body)
        } catch {
            throw .badRequest("the request body is not valid JSON: \(error)")
        }
    }

    static func decodeYAML(_ body: [UInt8]) throws(StatusError) -> JSON {
        let document: JSON?
        do {
            document = try JSON.yamlDocument(String(decoding: body, as: UTF8.self))
        } catch {
            throw .badRequest(error.description.hasPrefix("not valid YAML")
                ? "the request body is \(error.description)" : "\(error.description) in request bodies")
        }
        guard let document else { throw .badRequest("the request body is empty") }
        return document
    }
}

/// What the client asked to get back, from its Accept header.
struct ResponseFormat: Sendable {
    var table = false

    init(accept: String?) {
        guard let accept else { return }
        for entry in accept.split(separator: ",") {
            let params = entry.split(separator: ";").map { $0.trimmedSpaces }
            guard let media = params.first?.lowercased() else { continue }
            var asValue: String?
            var group: String?
            for p in params.dropFirst() {
                if p.hasPrefix("as=") { asValue = String(p.dropFirst(3)) }
                if p.hasPrefix("g=") { group = String(p.dropFirst(2)) }
            }
            if asValue == nil, media == "application/json" || media == "*/*" || media == "application/vnd.kubernetes.protobuf" {
                // The first acceptable plain entry wins: the client prefers it to anything later.
                return
            }
            if asValue == "Table", group == "meta.k8s.io", media == "application/json" {
                table = true
                return
            }
        }
    }
}
