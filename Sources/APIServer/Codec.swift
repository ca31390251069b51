import KubeAPI
import Yams

/// Decoding request bodies (JSON, YAML, protobuf) and choosing response encodings.
enum Codec {
    /// Decodes a write's body by its Content-Type. A missing Content-Type means JSON.
    static func decodeBody(_ body: [UInt8], contentType: String?) throws(StatusError) -> JSON {
        let media = (contentType ?? "application/json").split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
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
        let text = String(decoding: body, as: UTF8.self)
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw .badRequest("the request body is not valid YAML: \(error)")
        }
        guard let node else { throw .badRequest("the request body is empty") }
        return try json(from: node)
    }

    /// Converts a YAML node to JSON with YAML 1.2 core-schema scalars (what sigs.k8s.io/yaml accepts).
    static func json(from node: Node) throws(StatusError) -> JSON {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                let s = scalar.string
                switch s {
                case "null", "Null", "NULL", "~", "": return .null
                case "true", "True", "TRUE": return .bool(true)
                case "false", "False", "FALSE": return .bool(false)
                default:
                    if let i = Int64(s) { return .int(i) }
                    if s.first.map({ $0.isNumber || $0 == "-" || $0 == "." }) == true, let d = Double(s), d.isFinite { return .double(d) }
                    return .string(s)
                }
            }
            return .string(scalar.string)
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping {
                guard case .scalar(let k) = key else { throw .badRequest("YAML mapping keys must be strings") }
                object[k.string] = try json(from: value)
            }
            return .object(object)
        case .sequence(let sequence):
            var array: [JSON] = []
            for item in sequence { array.append(try json(from: item)) }
            return .array(array)
        case .alias:
            throw .badRequest("YAML aliases are not supported in request bodies")
        }
    }
}

/// What the client asked to get back, from its Accept header.
struct ResponseFormat: Sendable {
    var table = false

    init(accept: String?) {
        guard let accept else { return }
        for entry in accept.split(separator: ",") {
            let params = entry.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
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
