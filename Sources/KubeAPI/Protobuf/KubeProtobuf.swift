/// Decoder for `application/vnd.kubernetes.protobuf` request bodies.
///
/// kubectl's generator commands (`create deployment|namespace|configmap|secret|service|job|...`,
/// `create token`, `auth can-i`) POST protobuf. The body is the magic `k8s\0` followed by a
/// `runtime.Unknown` message: typeMeta (1: apiVersion = 1, kind = 2), raw (2: the object's own
/// message), contentEncoding (3), contentType (4). The server stores JSON, so the object is
/// turned into the JSON it would have been sent as.
public enum KubeProtobuf {
    /// The media type of Kubernetes protobuf bodies.
    public static let mediaType = "application/vnd.kubernetes.protobuf"

    /// Whether a request's Content-Type names a single protobuf object (parameters such as
    /// `charset` are ignored; `stream=watch` is a watch stream, not a request body).
    public static func matches(contentType: String) -> Bool {
        let parts = contentType.split(separator: ";").map { $0.trimmingSpaces().lowercased() }
        guard let type = parts.first, type == mediaType else { return false }
        return !parts.dropFirst().contains { $0.hasPrefix("stream=") }
    }

    /// The four bytes every Kubernetes protobuf body starts with.
    public static let magic: [UInt8] = [0x6B, 0x38, 0x73, 0x00]

    /// The `runtime.Unknown` envelope, before the inner object is interpreted.
    public struct Envelope: Sendable, Equatable {
        public var apiVersion: String
        public var kind: String
        public var raw: ArraySlice<UInt8>
        public var contentEncoding: String
        public var contentType: String
    }

    /// Decodes a protobuf body into the object's JSON form, with `apiVersion` and `kind` first.
    ///
    /// - Throws: `StatusError` 400 BadRequest for malformed bytes (bad magic, truncation, wrong
    ///   wire types, invalid UTF-8); 415 UnsupportedMediaType for a kind Swiftlet has no
    ///   descriptor for, so the client learns to send JSON instead.
    public static func decode(_ body: [UInt8]) throws(StatusError) -> JSON {
        let envelope = try unwrap(body)
        guard envelope.contentEncoding.isEmpty else {
            throw .badRequest("protobuf: unsupported contentEncoding \"\(envelope.contentEncoding)\"")
        }
        guard envelope.contentType.isEmpty || envelope.contentType == mediaType else {
            throw .badRequest("protobuf: unsupported inner contentType \"\(envelope.contentType)\"")
        }
        guard !envelope.kind.isEmpty else {
            throw .badRequest("protobuf: the object has no kind in its typeMeta")
        }
        guard let message = ProtoSchema.message(apiVersion: envelope.apiVersion, kind: envelope.kind) else {
            throw StatusError(
                code: 415, reason: "UnsupportedMediaType",
                message: "the body of the request was in an unknown format - protobuf is not supported for "
                    + "\(envelope.apiVersion), Kind=\(envelope.kind); accepted media types include: "
                    + "application/json, application/yaml")
        }
        var object: JSONObject = ["apiVersion": .string(envelope.apiVersion), "kind": .string(envelope.kind)]
        let fields = try ProtoDecoder().decode(envelope.raw, message: message, depth: 0)
        for (key, value) in fields { object[key] = value }
        return .object(object)
    }

    /// Checks the magic and splits the `runtime.Unknown` envelope.
    public static func unwrap(_ body: [UInt8]) throws(StatusError) -> Envelope {
        guard body.count >= magic.count, body.prefix(magic.count).elementsEqual(magic) else {
            throw .badRequest("protobuf: the body does not start with the Kubernetes protobuf magic \"k8s\\0\"")
        }
        var envelope = Envelope(apiVersion: "", kind: "", raw: [], contentEncoding: "", contentType: "")
        var reader = ProtoWireReader(body[magic.count...])
        while let (number, value) = try reader.nextField() {
            switch (number, value) {
            case (1, .bytes(let typeMeta)):
                var inner = ProtoWireReader(typeMeta)
                while let (n, v) = try inner.nextField() {
                    switch (n, v) {
                    case (1, .bytes(let b)): envelope.apiVersion = try text(b, "typeMeta.apiVersion")
                    case (2, .bytes(let b)): envelope.kind = try text(b, "typeMeta.kind")
                    case (1, _), (2, _): throw .badRequest("protobuf: typeMeta field \(n) has the wrong wire type")
                    default: continue
                    }
                }
            case (2, .bytes(let b)): envelope.raw = b
            case (3, .bytes(let b)): envelope.contentEncoding = try text(b, "contentEncoding")
            case (4, .bytes(let b)): envelope.contentType = try text(b, "contentType")
            case (1...4, _): throw .badRequest("protobuf: runtime.Unknown field \(number) has the wrong wire type")
            default: continue
            }
        }
        return envelope
    }

    private static func text(_ bytes: ArraySlice<UInt8>, _ what: String) throws(StatusError) -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw .badRequest("protobuf: \(what) is not valid UTF-8")
        }
        return s
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
