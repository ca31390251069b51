import Foundation
@testable import KubeAPI

/// Decodes a base64 fixture (line breaks allowed) into bytes.
func protobufFixtureBytes(_ base64: String) -> [UInt8] {
    guard let data = Data(base64Encoded: base64, options: .ignoreUnknownCharacters) else {
        fatalError("bad base64 fixture")
    }
    return [UInt8](data)
}

/// A minimal protobuf writer, so tests can build messages kubectl never sends
/// (times, string IntOrStrings, raw JSON, zero pointers, unknown fields).
struct ProtoTestWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func tag(_ number: Int, _ wireType: UInt8) { varint(UInt64(number) << 3 | UInt64(wireType)) }

    mutating func int(_ number: Int, _ value: Int64) {
        tag(number, 0)
        varint(UInt64(bitPattern: value))
    }

    mutating func bytes(_ number: Int, _ value: [UInt8]) {
        tag(number, 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ number: Int, _ value: String) { bytes(number, Array(value.utf8)) }

    mutating func message(_ number: Int, _ build: (inout ProtoTestWriter) -> Void) {
        var inner = ProtoTestWriter()
        build(&inner)
        bytes(number, inner.bytes)
    }

    mutating func mapEntry(_ number: Int, _ key: String, _ value: String) {
        message(number) { e in
            e.string(1, key)
            e.string(2, value)
        }
    }

    /// A complete body: magic, then runtime.Unknown with typeMeta and raw.
    static func body(apiVersion: String, kind: String, _ build: (inout ProtoTestWriter) -> Void) -> [UInt8] {
        var object = ProtoTestWriter()
        build(&object)
        var unknown = ProtoTestWriter()
        unknown.message(1) { t in
            t.string(1, apiVersion)
            t.string(2, kind)
        }
        unknown.bytes(2, object.bytes)
        return KubeProtobuf.magic + unknown.bytes
    }
}
