import CRI
import Testing

/// The generator on Protos/generator-sample/generator_sample.proto: every scalar type, proto3
/// `optional`, a oneof, maps with integer keys and message, enum or bytes values, and nested enums,
/// none of which runtime_v1.proto needs today. Its code (Tests/CRITests/GeneratedSample) must
/// agree with protoc like the CRI messages do.
extension CRIWireGoldenTests {
    @Test func generatorSampleWithEveryFieldKind() throws {
        var inner = Sample_V1_Everything.Inner()
        inner.kind = .some
        inner.url = "u"
        var value = Sample_V1_Everything()
        value.d = 2.5
        value.f = 1.5
        value.i32 = -5
        value.i64 = -9_000_000_000
        value.u32 = 4_000_000_000
        value.u64 = .max
        value.s32 = -3
        value.s64 = -9_000_000_000
        value.fx32 = 4_000_000_000
        value.fx64 = 1
        value.sfx32 = -7
        value.sfx64 = -8
        value.b = true
        value.s = "text ✓"
        value.by = [1, 2, 0xFF]
        value.ds = [1.5, -2]
        value.ss = [-1, 1, -100]
        value.fxs = [1, .max]
        value.colors = [.red, .darkBlue, .unspecified]
        value.bys = [Array("a".utf8), []]
        value.byNumber = [-1: inner, 5: Sample_V1_Everything.Inner()]
        value.byName = ["r": .red, "z": .unspecified]
        value.blobs = [.max: [0]]
        // Present although zero or empty: proto3 optional keeps presence on the wire.
        value.maybe = 0
        value.maybeText = ""
        value.maybeColor = .unspecified
        value.inner = inner
        value.single = Sample_V1_Everything.Inner()
        value.color = .darkBlue
        value.httpID = "h"
        value.fs = [0.5]
        value.sfxs = [-1]
        value.bs = [true, false, true]
        #expect(value.hasMaybe && value.hasMaybeText && value.hasMaybeColor && value.hasSingle)
        #expect(value.choice == .inner(inner))

        try checkGolden("Everything", value, text: #"""
            d: 2.5 f: 1.5 i32: -5 i64: -9000000000 u32: 4000000000 u64: 18446744073709551615
            s32: -3 s64: -9000000000 fx32: 4000000000 fx64: 1 sfx32: -7 sfx64: -8
            b: true s: "text ✓" by: "\001\002\377"
            ds: [1.5, -2] ss: [-1, 1, -100] fxs: [1, 4294967295]
            colors: [COLOR_RED, COLOR_DARK_BLUE, COLOR_UNSPECIFIED]
            bys: "a" bys: ""
            by_number { key: -1 value { kind: KIND_SOME url: "u" } }
            by_number { key: 5 value { } }
            by_name { key: "r" value: COLOR_RED }
            by_name { key: "z" value: COLOR_UNSPECIFIED }
            blobs { key: 18446744073709551615 value: "\000" }
            maybe: 0 maybe_text: "" maybe_color: COLOR_UNSPECIFIED
            inner { kind: KIND_SOME url: "u" }
            single { }
            color: COLOR_DARK_BLUE http_id: "h"
            fs: 0.5 sfxs: -1 bs: [true, false, true]
            """#, proto: "generator-sample/generator_sample.proto")
    }

    /// Without maps the bytes must equal protoc's exactly; a later oneof member replaces an
    /// earlier one.
    @Test func generatorSampleOneofAndOptionalBytesMatchProtoc() throws {
        var value = Sample_V1_Everything()
        value.name = "first"
        value.number = -2
        value.maybe = 0
        value.s32 = -3
        value.fs = [0.5, -0.25]
        value.bs = [true, false]
        #expect(value.name == "")
        #expect(value.choice == .number(-2))
        try checkGolden("Everything", value, text: #"""
            s32: -3 maybe: 0 number: -2 fs: [0.5, -0.25] bs: [true, false]
            """#, proto: "generator-sample/generator_sample.proto")

        value.clearMaybe()
        value.choice = nil
        #expect(try Sample_V1_Everything(wire: value.wireBytes()) == value)
        #expect(!value.hasMaybe)
    }
}
