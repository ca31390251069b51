import GRPCCore
import KubeAPI

/// A `runtime.v1` protobuf message: the generated `Runtime_V1_*` structs in Sources/CRI/Generated
/// (Scripts/generate-cri.py) encode and decode themselves on KubeAPI's protobuf wire helpers.
///
/// Decoding follows proto3: absent fields keep their defaults, unknown fields (a newer runtime's
/// additions) are skipped, repeated numbers are accepted packed or not, and a field seen twice
/// replaces a scalar or merges into a message. Malformed input (truncated, a wrong wire type)
/// throws; it never traps. Strings that are not valid UTF-8 are repaired with U+FFFD rather than
/// failing the whole response.
public protocol CRIMessage: Sendable, Hashable {
    /// A message with every field at its default.
    init()
    /// Reads `bytes` (a serialized message) into this one, field by field.
    mutating func merge(wire bytes: ArraySlice<UInt8>) throws
    /// Appends the message's fields to `writer`, leaving out those at their proto3 defaults.
    func encode(to writer: inout ProtoWireWriter)
}

extension CRIMessage {
    /// Decodes a serialized message.
    public init(wire bytes: ArraySlice<UInt8>) throws {
        self.init()
        try merge(wire: bytes)
    }

    /// Decodes a serialized message.
    public init(wire bytes: [UInt8]) throws {
        try self.init(wire: bytes[...])
    }

    /// The message in protobuf wire format.
    public func wireBytes() -> [UInt8] {
        var writer = ProtoWireWriter()
        encode(to: &writer)
        return writer.bytes
    }
}

/// One RPC of a `runtime.v1` service: its descriptor and message types (generated per method).
public protocol CRIMethod {
    associatedtype Input: CRIMessage
    associatedtype Output: CRIMessage
    static var descriptor: MethodDescriptor { get }
}

/// Serializes any `CRIMessage` for GRPCCore.
struct CRIMessageSerializer<Message: CRIMessage>: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: Message) throws -> Bytes {
        Bytes(message.wireBytes())
    }
}

/// Deserializes any `CRIMessage` for GRPCCore. A response that does not parse fails the call as
/// INTERNAL (what gRPC prescribes for a client that cannot parse a response).
struct CRIMessageDeserializer<Message: CRIMessage>: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> Message {
        let bytes = serializedMessageBytes.withUnsafeBytes { [UInt8]($0) }
        do {
            return try Message(wire: bytes)
        } catch {
            throw RPCError(code: .internalError, message: "cannot decode \(Message.self): \(error)")
        }
    }
}
