import Testing
@testable import KubeAPI

@Suite struct ProtobufWireReaderTests {
    @Test(arguments: [
        ([0x00], UInt64(0)),
        ([0x01], 1),
        ([0x7F], 127),
        ([0x80, 0x01], 128),
        ([0xAC, 0x02], 300),
        // -1 as an int32/int64 field: ten bytes, sign-extended.
        ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], UInt64.max),
    ] as [([UInt8], UInt64)])
    func varints(bytes: [UInt8], expected: UInt64) throws {
        var reader = ProtoWireReader(bytes)
        #expect(try reader.readVarint() == expected)
        #expect(reader.isAtEnd)
    }

    @Test(arguments: [
        ([0x80], "truncated varint"),
        ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02], "overflows 64 bits"),
        ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], "overflows 64 bits"),
    ] as [([UInt8], String)])
    func badVarints(bytes: [UInt8], message: String) {
        var reader = ProtoWireReader(bytes)
        #expect { _ = try reader.readVarint() } throws: { error in
            (error as? StatusError)?.code == 400 && (error as? StatusError)?.message.contains(message) == true
        }
    }

    @Test func readsEveryWireType() throws {
        let bytes: [UInt8] = [
            0x08, 0x96, 0x01,                                   // 1: varint 150
            0x11, 1, 2, 3, 4, 5, 6, 7, 8,                       // 2: fixed64
            0x1A, 0x03, 0x61, 0x62, 0x63,                       // 3: "abc"
            0x25, 0x78, 0x56, 0x34, 0x12,                       // 4: fixed32
        ]
        var reader = ProtoWireReader(bytes)
        let a = try #require(try reader.nextField())
        #expect(a.number == 1 && a.value == .varint(150))
        let b = try #require(try reader.nextField())
        #expect(b.number == 2 && b.value == .fixed64(0x0807_0605_0403_0201))
        let c = try #require(try reader.nextField())
        #expect(c.number == 3 && c.value == .bytes([0x61, 0x62, 0x63][...]))
        let d = try #require(try reader.nextField())
        #expect(d.number == 4 && d.value == .fixed32(0x1234_5678))
        #expect(try reader.nextField() == nil)
    }

    @Test(arguments: [
        ([0x0A, 0x05, 0x61], "runs past the end"),        // length 5, one byte present
        ([0x11, 0x01, 0x02], "truncated fixed64"),
        ([0x15, 0x01], "truncated fixed32"),
        ([0x0B], "unsupported wire type 3"),              // start group
        ([0x0E, 0x00], "unsupported wire type 6"),
        ([0x00, 0x00], "invalid field number 0"),
        ([0x0A], "truncated varint"),                     // length missing
        ([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], "runs past the end"),
    ] as [([UInt8], String)])
    func malformedFields(bytes: [UInt8], message: String) {
        var reader = ProtoWireReader(bytes)
        #expect { _ = try reader.nextField() } throws: { error in
            (error as? StatusError)?.code == 400 && (error as? StatusError)?.message.contains(message) == true
        }
    }

    @Test func readsWithinASliceOnly() throws {
        // The reader must honour slice bounds, not the parent array's.
        let parent: [UInt8] = [0xFF, 0x08, 0x01, 0xFF]
        var reader = ProtoWireReader(parent[1..<3])
        let field = try #require(try reader.nextField())
        #expect(field.number == 1 && field.value == .varint(1))
        #expect(reader.isAtEnd)
    }
}
