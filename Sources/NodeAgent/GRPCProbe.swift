import GRPCCore
import KubeAPI
import GRPCNIOTransportHTTP2Posix
import SwiftletInfo

/// The gRPC probe, as upstream's prober runs it (pkg/probe/grpc): one `grpc.health.v1.Health/Check`
/// call over plaintext HTTP/2 to the pod's IP with the probe's `service`, bounded by the timeout;
/// SERVING is a success, anything else a failure with upstream's messages.
enum GRPCProbe {
    static let method = MethodDescriptor(fullyQualifiedService: "grpc.health.v1.Health", method: "Check")

    /// `HealthCheckResponse.ServingStatus` names, by number.
    static let statusNames = [0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"]

    static func check(host: String, port: Int, service: String, timeout: Duration) async -> ProbeOutcome {
        let target = ProbeRunner.hostPort(host, port)
        let transport: HTTP2ClientTransport.Posix
        do {
            transport = try HTTP2ClientTransport.Posix(
                target: host.contains(":") ? .ipv6(address: host, port: port) : .ipv4(address: host, port: port),
                transportSecurity: .plaintext)
        } catch {
            return ProbeOutcome(.failure, "timeout: failed to connect service \"\(target)\" within \(seconds(timeout)): \(error)")
        }
        var options = CallOptions.defaults
        options.timeout = timeout
        // Fail once the connection cannot be made, like upstream's blocking dial with a deadline.
        options.waitForReady = true
        // The connection is closed as soon as the call ended, not gracefully: a graceful shutdown
        // waits for the HTTP/2 handshake, which a peer that is not a gRPC server never completes,
        // and the probe worker would wait with it forever.
        let client = GRPCClient(transport: transport)
        let result: Result<Int, any Error> = await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await client.runConnections() }
            defer { group.cancelAll() }
            do {
                return .success(try await client.unary(
                    request: ClientRequest(message: HealthMessages.request(service: service),
                                           metadata: ["user-agent": "kube-probe/\(SwiftletVersion.kubernetesMajor).\(SwiftletVersion.kubernetesMinor)"]),
                    descriptor: method, serializer: RawBytes(), deserializer: RawBytes(), options: options
                ) { response in try HealthMessages.status(try response.message) })
            } catch {
                return .failure(error)
            }
        }
        do {
            let status = try result.get()
            guard status == 1 else {
                return ProbeOutcome(.failure, "service unhealthy (responded with \"\(statusNames[status] ?? String(status))\")")
            }
            return ProbeOutcome(.success)
        } catch let error as RPCError {
            switch error.code {
            case .unimplemented:
                return ProbeOutcome(.failure, "this server doesn't implement the grpc health protocol (grpc.health.v1.Health): \(error.message)")
            case .deadlineExceeded:
                return ProbeOutcome(.failure, "timeout: health rpc did not complete within \(seconds(timeout))")
            case .unavailable:
                return ProbeOutcome(.failure, "timeout: failed to connect service \"\(target)\" within \(seconds(timeout)): \(error.message)")
            default:
                return ProbeOutcome(.failure, "error: health rpc probe failed: \(error)")
            }
        } catch {
            return ProbeOutcome(.failure, "error: health rpc probe failed: \(error)")
        }
    }

    static func seconds(_ duration: Duration) -> String { "\(duration.components.seconds)s" }
}

/// The two messages of grpc.health.v1 (health.proto) on the project's protobuf wire reader and
/// writer: a request with the service name (field 1, string) and a response with the serving
/// status (field 1, enum).
enum HealthMessages {
    static func request(service: String) -> [UInt8] {
        guard !service.isEmpty else { return [] }
        var writer = ProtoWireWriter()
        writer.writeString(field: 1, service)
        return writer.bytes
    }

    /// The `status` field; unknown fields are skipped, a malformed message is an error.
    static func status(_ message: [UInt8]) throws -> Int {
        var reader = ProtoWireReader(message)
        var status = 0
        while let field = try reader.nextField() {
            if field.number == 1, case .varint(let value) = field.value { status = Int(truncatingIfNeeded: value) }
        }
        return status
    }
}

/// Messages passed through as their encoded bytes.
struct RawBytes: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}
