import CRI
import KubeAPI
import Testing

/// Proto3 decoding rules of the generated messages that the golden cases do not reach: unknown
/// fields, packed and unpacked repeated numbers, enum values from a newer runtime, presence, and
/// malformed input, which must throw and never trap or hang.
@Suite struct CRIWireDecodingTests {
    /// A PortMapping as a newer runtime might send it: known fields between unknown ones of every
    /// wire type, including an unknown nested message.
    @Test func unknownFieldsOfEveryWireTypeAreSkipped() throws {
        var writer = ProtoWireWriter()
        writer.writeVarint(field: 100, 7)
        writer.writeVarint(field: 1, 1)                    // protocol: UDP
        writer.writeFixed64(field: 101, 0x0102_0304_0506_0708)
        writer.writeVarint(field: 2, 8080)                 // container_port
        writer.writeMessage(field: 102) { $0.writeString(field: 1, "from the future") }
        writer.writeFixed32(field: 103, 42)
        writer.writeString(field: 4, "10.0.0.1")           // host_ip
        writer.writeBytes(field: 536_870_911, [1, 2, 3])   // the largest field number
        let mapping = try Runtime_V1_PortMapping(wire: writer.bytes)
        var expected = Runtime_V1_PortMapping()
        expected.protocol = .udp
        expected.containerPort = 8080
        expected.hostIp = "10.0.0.1"
        #expect(mapping == expected)

        // Unknown fields inside a nested message and a map entry are skipped too.
        var outer = ProtoWireWriter()
        outer.writeMessage(field: 1) { metadata in
            metadata.writeString(field: 1, "web")
            metadata.writeVarint(field: 99, 1)
        }
        outer.writeMessage(field: 6) { entry in
            entry.writeString(field: 1, "k")
            entry.writeVarint(field: 3, 5)
            entry.writeString(field: 2, "v")
        }
        let config = try Runtime_V1_PodSandboxConfig(wire: outer.bytes)
        #expect(config.metadata.name == "web")
        #expect(config.labels == ["k": "v"])
    }

    @Test(arguments: [7, 1000, -1, Int(Int32.min)])
    func unrecognizedEnumValuesRoundTrip(_ raw: Int) throws {
        var writer = ProtoWireWriter()
        writer.writeVarint(field: 1, UInt64(bitPattern: Int64(raw)))
        let mapping = try Runtime_V1_PortMapping(wire: writer.bytes)
        #expect(mapping.protocol == .UNRECOGNIZED(raw))
        #expect(mapping.protocol.rawValue == raw)
        #expect(mapping.wireBytes() == writer.bytes)
        #expect(Runtime_V1_ContainerState(rawValue: raw) == .UNRECOGNIZED(raw))
        #expect(!Runtime_V1_ContainerState.allCases.contains(.UNRECOGNIZED(raw)))
    }

    @Test func knownEnumValuesMapToTheirCases() {
        let table: [(Int, Runtime_V1_ContainerState)] = [
            (0, .containerCreated), (1, .containerRunning), (2, .containerExited), (3, .containerUnknown),
        ]
        for (raw, state) in table {
            #expect(Runtime_V1_ContainerState(rawValue: raw) == state)
            #expect(state.rawValue == raw)
        }
        #expect(Runtime_V1_ContainerState() == .containerCreated)
        #expect(Runtime_V1_SecurityProfile.ProfileType.allCases == [.runtimeDefault, .unconfined, .localhost])
    }

    @Test func repeatedNumbersAreReadPackedOrNotAndWrittenPacked() throws {
        // supplemental_groups (5, int64): one packed run, then two unpacked values, then another run.
        var writer = ProtoWireWriter()
        writer.writePackedVarints(field: 5, [1, 2])
        writer.writeVarint(field: 5, UInt64(bitPattern: -3))
        writer.writeVarint(field: 5, 4)
        writer.writePackedVarints(field: 5, [])
        writer.writePackedVarints(field: 5, [5])
        let context = try Runtime_V1_LinuxSandboxSecurityContext(wire: writer.bytes)
        #expect(context.supplementalGroups == [1, 2, -3, 4, 5])

        var packed = ProtoWireWriter()
        packed.writePackedVarints(field: 5, [1, 2, UInt64(bitPattern: -3), 4, 5])
        #expect(context.wireBytes() == packed.bytes)

        var ports = Runtime_V1_PortForwardRequest()
        ports.port = [80, -1, 65535]
        #expect(try Runtime_V1_PortForwardRequest(wire: ports.wireBytes()) == ports)
    }

    @Test func defaultsAreNotWrittenButPresenceIs() throws {
        #expect(Runtime_V1_PodSandboxConfig().wireBytes() == [])
        #expect(Runtime_V1_ContainerStatus().wireBytes() == [])

        var config = Runtime_V1_PodSandboxConfig()
        #expect(!config.hasMetadata)
        #expect(config.metadata == Runtime_V1_PodSandboxMetadata())
        config.metadata = Runtime_V1_PodSandboxMetadata()
        #expect(config.hasMetadata)
        #expect(config.wireBytes() == [0x0A, 0x00])
        let decoded = try Runtime_V1_PodSandboxConfig(wire: [0x0A, 0x00])
        #expect(decoded.hasMetadata)
        #expect(decoded == config)
        config.clearMetadata()
        #expect(!config.hasMetadata)
        #expect(config == Runtime_V1_PodSandboxConfig())

        // Setting a nested field through the getter makes the parent present.
        var status = Runtime_V1_ContainerStatus()
        status.resources.linux.cpuQuota = 1
        #expect(status.hasResources && status.resources.hasLinux)
    }

    @Test func aMessageFieldSeenTwiceIsMergedAndAScalarReplaced() throws {
        var writer = ProtoWireWriter()
        writer.writeMessage(field: 1) { $0.writeString(field: 1, "web"); $0.writeVarint(field: 4, 1) }
        writer.writeString(field: 2, "first")
        writer.writeMessage(field: 1) { $0.writeString(field: 2, "uid") }
        writer.writeString(field: 2, "second")
        let config = try Runtime_V1_PodSandboxConfig(wire: writer.bytes)
        #expect(config.metadata.name == "web")
        #expect(config.metadata.uid == "uid")
        #expect(config.metadata.attempt == 1)
        #expect(config.hostname == "second")
    }

    @Test func invalidUTF8InAStringIsRepairedNotFatal() throws {
        let status = try Runtime_V1_RuntimeCondition(wire: [0x0A, 0x03, 0x61, 0xFF, 0x62])
        #expect(status.type == "a\u{FFFD}b")
    }

    /// Malformed input: each must throw a decoding error.
    @Test(arguments: [
        ("truncated key varint", [0x80]),
        ("truncated value varint", [0x08, 0x80]),
        ("varint longer than 10 bytes", [0x08] + [UInt8](repeating: 0xFF, count: 10) + [0x01]),
        ("length past the end", [0x0A, 0x05, 0x61]),
        ("huge length", [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
        ("truncated fixed64", [0x09, 1, 2, 3]),
        ("truncated fixed32", [0x0D, 1]),
        ("field number zero", [0x00, 0x01]),
        ("group start (wire type 3)", [0x0B, 0x0C]),
        ("wire type 6", [0x0E]),
        ("string field sent as varint", [0x08, 0x01]),
        ("message field sent as varint", [0x10, 0x01]),
        ("enum field sent as bytes", [0x1A, 0x00]),
        ("int64 field sent as fixed32", [0x25, 1, 2, 3, 4]),
        ("bad map entry", [0x62, 0x02, 0x0A, 0x05]),
        ("bad nested message", [0x12, 0x02, 0x08, 0x80]),
        ("bad varint two messages down", [0x82, 0x01, 0x03, 0x0A, 0x01, 0x80]),
        ("nested length past its parent", [0x12, 0x02, 0x0A, 0x05, 0x61, 0x62, 0x63, 0x64, 0x65]),
    ] as [(String, [UInt8])])
    func malformedInputThrows(_ name: String, _ bytes: [UInt8]) {
        // ContainerStatus: 1 string, 2 message, 3 enum, 4 int64, 12 map, 16 message.
        #expect(throws: StatusError.self, "\(name)") {
            _ = try Runtime_V1_ContainerStatus(wire: bytes)
        }
    }

    /// Every proper prefix of a rich message either decodes (it ended between top-level fields)
    /// or throws; none traps. Cutting inside the last field must throw.
    @Test func everyTruncationThrowsOrDecodesWithoutTrapping() throws {
        var status = Runtime_V1_ContainerStatus()
        status.id = "abc"
        status.metadata.name = "app"
        status.exitCode = -1
        status.labels = ["a": "b", "c": "d"]
        status.mounts = [Runtime_V1_Mount()]
        status.resources.linux.hugepageLimits = [Runtime_V1_HugepageLimit()]
        status.logPath = "x.log"
        let bytes = status.wireBytes()
        var threw = 0
        for length in 0..<bytes.count {
            do {
                _ = try Runtime_V1_ContainerStatus(wire: bytes[..<length])
            } catch {
                threw += 1
            }
        }
        #expect(threw > bytes.count / 2)
        #expect(throws: StatusError.self) { _ = try Runtime_V1_ContainerStatus(wire: bytes.dropLast()) }
    }

    /// Random bytes (a fixed seed, so a failure reproduces): decoding returns or throws, quickly.
    @Test func randomBytesNeverTrap() {
        var generator = SplitMix64(seed: 0x5EED)
        let started = ContinuousClock.now
        for round in 0..<3000 {
            let count = Int(generator.next() % 64)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            // Half the inputs start from a valid message so decoding gets deep before failing.
            if round.isMultiple(of: 2) {
                var valid = Runtime_V1_PodSandboxStatusResponse()
                valid.status.metadata.name = "x"
                valid.containersStatuses = [Runtime_V1_ContainerStatus()]
                valid.info = ["k": "v"]
                bytes = valid.wireBytes() + bytes
                if !bytes.isEmpty { bytes[Int(generator.next() % UInt64(bytes.count))] ^= 0xFF }
            }
            _ = try? Runtime_V1_PodSandboxStatusResponse(wire: bytes)
            _ = try? Runtime_V1_ContainerConfig(wire: bytes)
            _ = try? Runtime_V1_ListImagesResponse(wire: bytes)
        }
        #expect(ContinuousClock.now - started < .seconds(20))
    }
}

/// A small deterministic generator for the fuzz test.
struct SplitMix64 {
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
