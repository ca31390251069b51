import Testing
@testable import KubeAPI

/// The `/openapi/v2` document kubectl downloads (gnostic protobuf) to validate `kind: List` items:
/// decoded here with the wire reader, checked for what kube-openapi's parser insists on.
@Suite struct OpenAPIV2Tests {
    /// A decoded message: every field number with its raw values, in order.
    struct Message {
        var fields: [(number: Int, value: ProtoWireValue)] = []

        init(_ bytes: ArraySlice<UInt8>) throws {
            var reader = ProtoWireReader(bytes)
            while let field = try reader.nextField() { fields.append(field) }
        }

        func strings(_ number: Int) -> [String] {
            fields.compactMap { field -> String? in
                guard field.number == number, case .bytes(let b) = field.value else { return nil }
                return String(decoding: b, as: UTF8.self)
            }
        }

        func string(_ number: Int) -> String? { strings(number).first }

        func messages(_ number: Int) throws -> [Message] {
            try fields.compactMap { field -> Message? in
                guard field.number == number, case .bytes(let b) = field.value else { return nil }
                return try Message(b)
            }
        }

        func message(_ number: Int) throws -> Message? { try messages(number).first }
    }

    static let bytes = OpenAPIV2.protobufDocument()

    /// name -> Schema message of every definition.
    static func definitions() throws -> [String: Message] {
        let document = try Message(bytes[...])
        let definitions = try #require(try document.message(9))
        var out: [String: Message] = [:]
        for named in try definitions.messages(1) {
            out[try #require(named.string(1))] = try #require(try named.message(2))
        }
        return out
    }

    /// Every schema nested in `schema` (properties, items, additionalProperties), itself included.
    static func walk(_ schema: Message, path: String, into out: inout [(String, Message)]) throws {
        out.append((path, schema))
        for item in try schema.message(23)?.messages(1) ?? [] { try walk(item, path: path + "[]", into: &out) }
        if let additional = try schema.message(21)?.message(1) { try walk(additional, path: path + "{}", into: &out) }
        for named in try schema.message(25)?.messages(1) ?? [] {
            try walk(try #require(try named.message(2)), path: path + "." + (named.string(1) ?? "?"), into: &out)
        }
    }

    @Test func documentHeader() throws {
        let document = try Message(Self.bytes[...])
        #expect(document.string(1) == "2.0")
        #expect(try document.message(2)?.string(1) == "Kubernetes")
        #expect(try document.message(2)?.string(2) == OpenAPIV3.kubernetesVersion)
    }

    /// kube-openapi fails the whole document on a reference to an unknown model or an array whose
    /// `items` is not exactly one schema, and then kubectl cannot validate anything.
    @Test func everyReferenceResolvesAndEveryArrayHasOneItemSchema() throws {
        let definitions = try Self.definitions()
        #expect(definitions.count > 100)
        var checked = 0
        for (name, schema) in definitions {
            var nested: [(String, Message)] = []
            try Self.walk(schema, path: name, into: &nested)
            for (path, node) in nested {
                checked += 1
                if let ref = node.string(1) {
                    #expect(ref.hasPrefix("#/definitions/"), "\(path)")
                    #expect(definitions[String(ref.dropFirst("#/definitions/".count))] != nil, "\(path) -> \(ref)")
                }
                let types = try node.message(22)?.strings(1) ?? []
                #expect(types.count <= 1, "\(path)")
                if types == ["array"] { #expect(try node.message(23)?.messages(1).count == 1, "\(path)") }
            }
        }
        #expect(checked > 1000)
    }

    static func extensions(_ schema: Message) throws -> [String: String] {
        var out: [String: String] = [:]
        for named in try schema.messages(31) {
            out[named.string(1) ?? ""] = try named.message(2)?.string(2)
        }
        return out
    }

    @Test(arguments: [
        ("io.k8s.api.core.v1.ConfigMap", "", "v1", "ConfigMap"),
        ("io.k8s.api.core.v1.ConfigMapList", "", "v1", "ConfigMapList"),
        ("io.k8s.api.apps.v1.Deployment", "apps", "v1", "Deployment"),
        ("io.k8s.api.discovery.v1.EndpointSlice", "discovery.k8s.io", "v1", "EndpointSlice"),
    ])
    func kindsCarryTheirGroupVersionKind(name: String, group: String, version: String, kind: String) throws {
        let schema = try #require(try Self.definitions()[name])
        #expect(try schema.message(22)?.strings(1) == ["object"])
        let yaml = try #require(try Self.extensions(schema)["x-kubernetes-group-version-kind"])
        // JSON is YAML: kube-openapi unmarshals this value with a YAML parser.
        let gvk = try JSON(parsing: Array(yaml.utf8))
        #expect(gvk == [["group": .string(group), "kind": .string(kind), "version": .string(version)]])
        #expect(try schema.message(25)?.messages(1).contains { $0.string(1) == "metadata" } == true)
    }

    @Test func patchMetadataAndScalarsAreShapedAsUpstream() throws {
        let definitions = try Self.definitions()
        let podSpec = try #require(definitions["io.k8s.api.core.v1.PodSpec"])
        let containers = try #require(try podSpec.message(25)?.messages(1).first { $0.string(1) == "containers" }?.message(2))
        #expect(try Self.extensions(containers)["x-kubernetes-patch-merge-key"] == "\"name\"")
        #expect(try Self.extensions(containers)["x-kubernetes-patch-strategy"] == "\"merge\"")
        let intOrString = try #require(definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"])
        #expect(try intOrString.message(22)?.strings(1) == ["string"])
        #expect(intOrString.string(2) == "int-or-string")
    }

    @Test func jsonFormMatches() throws {
        let json = OpenAPIV2.document()
        #expect(json["swagger"] == "2.0")
        #expect(json["definitions"]["io.k8s.api.core.v1.Service"]["x-kubernetes-group-version-kind"][0]["kind"] == "Service")
        #expect(OpenAPIV2.encodeDocument(json) == Self.bytes)
    }

    @Test(arguments: [UInt64(0), 1, 127, 128, 300, 16_384, UInt64(UInt32.max), UInt64.max])
    func writerVarintsReadBack(_ value: UInt64) throws {
        var writer = ProtoWireWriter()
        writer.writeVarint(field: 3, value)
        writer.writeString(field: 536_870_911, "x")
        var reader = ProtoWireReader(writer.bytes)
        let first = try #require(try reader.nextField())
        #expect(first.number == 3 && first.value == .varint(value))
        let second = try #require(try reader.nextField())
        #expect(second.number == 536_870_911 && second.value == .bytes(Array("x".utf8)[...]))
        #expect(try reader.nextField() == nil)
    }

    @Test func acceptNegotiation() {
        #expect(OpenAPIV2.acceptsProtobuf("application/com.github.proto-openapi.spec.v2@v1.0+protobuf"))
        #expect(OpenAPIV2.acceptsProtobuf("application/com.github.proto-openapi.spec.v2.v1.0+protobuf"))
        #expect(!OpenAPIV2.acceptsProtobuf("application/json"))
        #expect(!OpenAPIV2.acceptsProtobuf(""))
    }
}
