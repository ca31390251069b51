import GRPCCore
import Glibc
import GRPCNIOTransportHTTP2Posix
import Testing
@testable import NodeAgent

/// The gRPC probe against a real gRPC server on loopback that implements grpc.health.v1.Health
/// (and one that does not): upstream's outcomes and messages.
@Suite(.serialized) struct GRPCProbeTests {
    /// Health/Check: "" and "web" are SERVING, "sick" NOT_SERVING, "slow" answers after 3 s,
    /// anything else SERVICE_UNKNOWN (as grpc-go's health server does with NotFound... here as a status).
    struct HealthService: RegistrableRPCService {
        func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
            router.registerHandler(forMethod: GRPCProbe.method, deserializer: RawBytes(), serializer: RawBytes()) { request, _ in
                var service = ""
                for try await message in request.messages where message.count > 2 {
                    service = String(decoding: message.dropFirst(2), as: UTF8.self)
                }
                if service == "slow" { try await Task.sleep(for: .seconds(3)) }
                let status: UInt8 = ["", "web"].contains(service) ? 1 : service == "sick" ? 2 : 3
                return StreamingServerResponse(single: ServerResponse(message: [0x08, status]))
            }
        }
    }

    /// A server whose only service is not the health service.
    struct OtherService: RegistrableRPCService {
        func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
            router.registerHandler(forMethod: MethodDescriptor(fullyQualifiedService: "shop.Cart", method: "Get"),
                                   deserializer: RawBytes(), serializer: RawBytes()) { _, _ in
                StreamingServerResponse(single: ServerResponse(message: []))
            }
        }
    }

    func withServer(_ services: [any RegistrableRPCService], _ body: (Int) async throws -> Void) async throws {
        let transport = HTTP2ServerTransport.Posix(address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext)
        try await withGRPCServer(transport: transport, services: services) { server in
            let port = try #require(try await transport.listeningAddress.ipv4?.port)
            try await body(port)
            server.beginGracefulShutdown()
        }
    }

    @Test func servingPassesAndOtherStatusesFailWithTheStatusName() async throws {
        // Generous deadlines: the whole suite runs in parallel on two cores.
        try await withServer([HealthService()]) { port in
            for (service, expected) in [
                ("", ProbeOutcome(.success)), ("web", ProbeOutcome(.success)),
                ("sick", ProbeOutcome(.failure, "service unhealthy (responded with \"NOT_SERVING\")")),
                ("nope", ProbeOutcome(.failure, "service unhealthy (responded with \"SERVICE_UNKNOWN\")")),
            ] {
                let outcome = await GRPCProbe.check(host: "127.0.0.1", port: port, service: service, timeout: .seconds(15))
                #expect(outcome == expected, "service \(service): \(outcome)")
            }
        }
    }

    @Test func aSlowAnswerTimesOut() async throws {
        try await withServer([HealthService()]) { port in
            let begin = ContinuousClock.now
            let outcome = await GRPCProbe.check(host: "127.0.0.1", port: port, service: "slow", timeout: .seconds(1))
            #expect(outcome == ProbeOutcome(.failure, "timeout: health rpc did not complete within 1s"))
            #expect(ContinuousClock.now - begin < .seconds(6))
        }
    }

    @Test func aServerWithoutTheHealthServiceIsAFailureSayingSo() async throws {
        try await withServer([OtherService()]) { port in
            let outcome = await GRPCProbe.check(host: "127.0.0.1", port: port, service: "", timeout: .seconds(15))
            #expect(outcome.status == .failure)
            #expect(outcome.output.hasPrefix("this server doesn't implement the grpc health protocol (grpc.health.v1.Health)"), "\(outcome.output)")
        }
    }

    @Test func nothingListeningFailsWithinTheTimeout() async throws {
        // A port that was just free: bind a server, note its port, stop it.
        var freePort = 0
        try await withServer([HealthService()]) { port in freePort = port }
        let begin = ContinuousClock.now
        let outcome = await GRPCProbe.check(host: "127.0.0.1", port: freePort, service: "", timeout: .seconds(1))
        #expect(outcome.status == .failure)
        #expect(outcome.output.hasPrefix("timeout:"), "\(outcome.output)")
        #expect(ContinuousClock.now - begin < .seconds(6))
    }

    /// A port that takes TCP connections but never speaks HTTP/2 (an HTTP/1 server, a wrong port):
    /// a failure at the timeout, not a probe worker waiting for the handshake forever.
    @Test func aPeerThatIsNotGRPCFailsWithinTheTimeout() async throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        #expect(listening)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let begin = ContinuousClock.now
        let outcome = await GRPCProbe.check(host: "127.0.0.1", port: port, service: "", timeout: .seconds(1))
        #expect(outcome.status == .failure)
        #expect(outcome.output.hasPrefix("timeout:"), "\(outcome.output)")
        #expect(ContinuousClock.now - begin < .seconds(6))
    }

    @Test(arguments: [
        ([UInt8](), 0), ([0x08, 0x01], 1), ([0x08, 0x02, 0x12, 0x01, 0x41], 2), ([0x10, 0x05, 0x08, 0x03], 3),
    ])
    func responsesDecode(bytes: [UInt8], status: Int) throws {
        #expect(try HealthMessages.status(bytes) == status)
    }

    @Test(arguments: [[UInt8]([0x08]), [0x08, 0x80], [0x0A, 0x05, 0x41], [0x0B]])
    func malformedResponsesAreErrorsNotCrashes(bytes: [UInt8]) {
        #expect(throws: (any Error).self) { try HealthMessages.status(bytes) }
    }

    @Test func requestsCarryTheServiceName() {
        #expect(HealthMessages.request(service: "") == [])
        #expect(HealthMessages.request(service: "web") == [0x0A, 0x03] + Array("web".utf8))
    }
}
