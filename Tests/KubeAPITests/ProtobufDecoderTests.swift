import Testing
@testable import KubeAPI

/// Decoder behaviour kubectl's generators do not exercise: well-known types, presence rules,
/// inlined structs and malformed input. Bodies are built with `ProtoTestWriter`.
@Suite struct ProtobufDecoderTests {
    @Test(arguments: [
        (Int64(0), Int32(0), "1970-01-01T00:00:00Z"),
        (1_714_557_600, 0, "2024-05-01T10:00:00Z"),
        (1_714_557_600, 999_999_999, "2024-05-01T10:00:00Z"),  // Time has whole-second precision
        (951_782_400, 0, "2000-02-29T00:00:00Z"),
        (-1, 0, "1969-12-31T23:59:59Z"),
        (253_402_300_799, 0, "9999-12-31T23:59:59Z"),
    ])
    func rfc3339(seconds: Int64, nanos: Int32, expected: String) {
        #expect(ProtoWellKnown.formatRFC3339(seconds: seconds, nanos: nanos) == expected)
    }

    @Test(arguments: [
        (Int64(0), "0s"), (1, "1ns"), (1_500, "1.5µs"), (300_000_000, "300ms"),
        (1_500_000_000, "1.5s"), (90_000_000_000, "1m30s"), (3_600_000_000_000, "1h0m0s"),
        (-5_000_000_000, "-5s"),
    ])
    func goDurations(nanos: Int64, expected: String) {
        #expect(ProtoWellKnown.formatGoDuration(nanos) == expected)
    }

    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg==")])
    func base64(plain: String, encoded: String) {
        #expect(ProtoWellKnown.Base64.encode(Array(plain.utf8)) == encoded)
    }

    @Test func metadataWellKnownTypes() throws {
        let body = ProtoTestWriter.body(apiVersion: "v1", kind: "ConfigMap") { cm in
            cm.message(1) { meta in
                meta.string(1, "cm")
                meta.message(8) { t in t.int(1, 1_714_557_600) }         // creationTimestamp
                meta.int(10, 0)                                           // deletionGracePeriodSeconds: *int64
                meta.string(14, "example.com/a")
                meta.string(14, "example.com/b")
                meta.message(13) { ref in                                 // ownerReferences
                    ref.string(1, "ReplicaSet"); ref.string(3, "rs"); ref.string(4, "u1")
                    ref.string(5, "apps/v1"); ref.int(6, 1)
                }
                meta.message(17) { entry in                               // managedFields
                    entry.string(1, "kubectl"); entry.string(2, "Update")
                    entry.message(4) { t in t.int(1, 0) }
                    entry.string(6, "FieldsV1")
                    entry.message(7) { f in f.string(1, #"{"f:data":{"f:a":{}}}"#) }
                }
            }
            cm.mapEntry(3, "bin", "\u{0}\u{1}")                           // binaryData
            cm.int(4, 0)                                                  // immutable: *bool false
        }
        let cm = try KubeProtobuf.decode(body)
        #expect(cm["metadata"] == [
            "name": "cm",
            "creationTimestamp": "2024-05-01T10:00:00Z",
            "deletionGracePeriodSeconds": 0,
            "finalizers": ["example.com/a", "example.com/b"],
            "ownerReferences": [["kind": "ReplicaSet", "name": "rs", "uid": "u1", "apiVersion": "apps/v1",
                                 "controller": true]],
            "managedFields": [["manager": "kubectl", "operation": "Update", "time": "1970-01-01T00:00:00Z",
                               "fieldsType": "FieldsV1", "fieldsV1": ["f:data": ["f:a": [:]]]]],
        ])
        #expect(cm["binaryData"] == ["bin": "AAE="])
        #expect(cm["immutable"] == false)
    }

    @Test func presenceRules() throws {
        let body = ProtoTestWriter.body(apiVersion: "apps/v1", kind: "Deployment") { d in
            d.message(2) { spec in
                spec.int(1, 0)                                  // replicas: *int32 0 is meaningful
                spec.int(5, 0)                                  // minReadySeconds: omitempty int32
                spec.int(7, 0)                                  // paused: omitempty bool
                spec.message(4) { strategy in
                    strategy.string(1, "RollingUpdate")
                    strategy.message(2) { ru in
                        ru.message(1) { ios in ios.int(1, 1); ios.string(3, "25%") }   // maxUnavailable
                        ru.message(2) { ios in ios.int(1, 0); ios.int(2, 0) }          // maxSurge: 0
                    }
                }
                spec.message(3) { template in
                    template.message(2) { pod in
                        pod.message(1) { v in                   // volumes; emptyDir {} must survive
                            v.string(1, "scratch")
                            v.message(2) { source in source.message(2) { _ in } }   // inlined VolumeSource
                        }
                        pod.message(1) { v in
                            v.string(1, "cfg")
                            v.message(2) { source in source.message(19) { cm in
                                cm.message(1) { ref in ref.string(1, "settings") }    // inlined name
                                cm.int(3, 420)
                            } }
                        }
                        pod.message(2) { c in
                            c.string(1, "app")
                            c.string(2, "")                     // image: omitempty string
                            c.message(10) { probe in            // livenessProbe, handler inlined
                                probe.message(1) { h in h.message(2) { get in
                                    get.string(1, "/healthz")
                                    get.message(2) { port in port.int(1, 1); port.string(3, "http") }
                                } }
                                probe.int(2, 5)
                            }
                            c.message(8) { r in
                                r.message(1) { e in e.string(1, "cpu"); e.message(2) { q in q.string(1, "500m") } }
                            }
                            c.message(7) { env in
                                env.string(1, "POD")
                                env.message(3) { src in src.message(1) { f in f.string(2, "metadata.name") } }
                            }
                            c.message(15) { sc in sc.int(4, -1) }  // runAsUser: negative int64
                        }
                        pod.int(4, 0)                           // terminationGracePeriodSeconds: *int64
                    }
                }
            }
        }
        let d = try KubeProtobuf.decode(body)
        let spec = d["spec"]
        #expect(spec["replicas"] == 0)
        #expect(spec["minReadySeconds"] == .null)
        #expect(spec["paused"] == .null)
        #expect(spec["strategy"] == ["type": "RollingUpdate",
                                     "rollingUpdate": ["maxUnavailable": "25%", "maxSurge": 0]])
        let pod = spec["template"]["spec"]
        #expect(pod["terminationGracePeriodSeconds"] == 0)
        #expect(pod["volumes"] == [
            ["name": "scratch", "emptyDir": [:]],
            ["name": "cfg", "configMap": ["name": "settings", "defaultMode": 420]],
        ])
        let c = pod["containers"][0]
        #expect(c["image"] == .null)
        #expect(c["livenessProbe"] == ["httpGet": ["path": "/healthz", "port": "http"], "initialDelaySeconds": 5])
        #expect(c["resources"] == ["limits": ["cpu": "500m"]])
        #expect(c["env"] == [["name": "POD", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]]])
        #expect(c["securityContext"] == ["runAsUser": -1])
    }

    @Test func negativeInt32AndUnknownFields() throws {
        let body = ProtoTestWriter.body(apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass") { pc in
            pc.int(2, -100)                                     // value: int32, sign-extended
            pc.string(99, "from a newer Kubernetes")            // unknown: skipped
            pc.tag(98, 5); pc.bytes += [1, 2, 3, 4]             // unknown fixed32: skipped
            pc.string(4, "low")
        }
        #expect(try KubeProtobuf.decode(body)
            == ["apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "value": -100, "description": "low"])
    }

    @Test func evictionWithDeleteOptions() throws {
        let body = ProtoTestWriter.body(apiVersion: "policy/v1", kind: "Eviction") { e in
            e.message(1) { m in m.string(1, "p1"); m.string(3, "default") }
            e.message(2) { o in o.int(1, 30); o.message(2) { p in p.string(1, "uid-1") } }
        }
        #expect(try KubeProtobuf.decode(body) == [
            "apiVersion": "policy/v1", "kind": "Eviction",
            "metadata": ["name": "p1", "namespace": "default"],
            "deleteOptions": ["gracePeriodSeconds": 30, "preconditions": ["uid": "uid-1"]],
        ])
    }

    @Test(arguments: [
        ("application/vnd.kubernetes.protobuf", true),
        ("Application/VND.Kubernetes.Protobuf; charset=binary", true),
        ("application/vnd.kubernetes.protobuf;stream=watch", false),
        ("application/json", false),
        ("", false),
    ])
    func mediaTypeMatching(contentType: String, expected: Bool) {
        #expect(KubeProtobuf.matches(contentType: contentType) == expected)
    }

    @Test func unknownKindIsUnsupportedMediaType() {
        let body = ProtoTestWriter.body(apiVersion: "example.com/v1", kind: "Widget") { _ in }
        #expect { _ = try KubeProtobuf.decode(body) } throws: { error in
            guard let e = error as? StatusError else { return false }
            return e.code == 415 && e.message.contains("example.com/v1, Kind=Widget")
        }
    }

    @Test(arguments: [
        ([], "magic"),
        (Array("{\"kind\":\"Pod\"}".utf8), "magic"),
        ([0x6B, 0x38, 0x73, 0x01, 0x0A, 0x00], "magic"),
        (KubeProtobuf.magic, "no kind"),
        (KubeProtobuf.magic + [0x0A, 0x05, 0x0A, 0x02], "runs past the end"),
        (KubeProtobuf.magic + [0x08, 0x01], "wrong wire type"),                   // typeMeta as varint
        (KubeProtobuf.magic + [0x0A, 0x04, 0x12, 0x02, 0xC3, 0x28], "UTF-8"),     // kind not UTF-8
        (KubeProtobuf.magic + [0x1A, 0x04] + Array("gzip".utf8), "contentEncoding"),
    ] as [([UInt8], String)])
    func malformedEnvelopes(body: [UInt8], message: String) {
        #expect { _ = try KubeProtobuf.decode(body) } throws: { error in
            guard let e = error as? StatusError else { return false }
            return e.code == 400 && e.reason == "BadRequest" && e.message.contains(message)
        }
    }

    @Test func wrongWireTypeNamesTheField() {
        let body = ProtoTestWriter.body(apiVersion: "v1", kind: "Namespace") { ns in
            ns.message(1) { m in m.int(1, 7) }              // metadata.name as a varint
        }
        #expect { _ = try KubeProtobuf.decode(body) } throws: { error in
            (error as? StatusError)?.message.contains("meta.ObjectMeta.name (1) has wire type 0, expected 2") == true
        }
    }

    @Test func invalidRawJSONIsRejected() {
        let body = ProtoTestWriter.body(apiVersion: "v1", kind: "Namespace") { ns in
            ns.message(1) { m in m.message(17) { e in e.message(7) { f in f.string(1, "{not json") } } }
        }
        #expect { _ = try KubeProtobuf.decode(body) } throws: { error in
            (error as? StatusError)?.message.contains("does not hold valid JSON") == true
        }
    }

    /// Random bytes after the magic: decoding returns or throws a StatusError, never traps.
    @Test func garbageNeverCrashes() {
        var rng = ProtobufTestRNG(seed: 0x5EED)
        for _ in 0..<2_000 {
            let length = Int(rng.next() % 64)
            let garbage = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? KubeProtobuf.decode(KubeProtobuf.magic + garbage)
        }
        // Garbage inside a real object's raw bytes reaches the schema-driven decoder too.
        for _ in 0..<2_000 {
            let length = Int(rng.next() % 64)
            let garbage = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let body = ProtoTestWriter.body(apiVersion: "apps/v1", kind: "Deployment") { d in d.bytes += garbage }
            _ = try? KubeProtobuf.decode(body)
        }
    }

    @Test func everyDescriptorReferenceResolves() {
        for (name, message) in ProtoSchema.messages {
            for field in message.fields.values {
                var type = field.type
                if case .map(let value) = type { type = value }
                if case .message(let ref) = type {
                    #expect(ProtoSchema.messages[ref] != nil, "\(name).\(field.name) refers to missing \(ref)")
                }
                if field.occurs == .inline, case .message = field.type {
                    continue
                } else if field.occurs == .inline {
                    Issue.record("\(name).\(field.name) is inline but not a message")
                }
            }
        }
        for (kind, message) in ProtoSchema.kinds {
            #expect(ProtoSchema.messages[message] != nil, "\(kind) maps to missing \(message)")
        }
    }
}

/// A tiny deterministic generator so the garbage test is reproducible.
struct ProtobufTestRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
