import CRI
import FoundationEssentials
import Glibc
import NIOCore
import NIOPosix
import NIOSSL
import SwiftletInfo

/// The outcome of running a probe handler once (upstream's `probe.Result` and output).
public struct ProbeOutcome: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable {
        case success
        /// Counts as success, with a Warning event (a redirect to another host).
        case warning
        case failure
        /// The probe could not run at all; upstream throws the result away.
        case error
    }
    public var status: Status
    public var output: String

    public init(_ status: Status, _ output: String = "") {
        self.status = status
        self.output = output
    }

    /// What the tracker records.
    public var result: ProbeResult {
        switch status {
        case .success, .warning: .success
        case .failure: .failure
        case .error: .unknown
        }
    }
}

/// Runs probe and hook handlers against a container: exec through CRI ExecSync, HTTP GETs and
/// TCP connects to the pod's IP.
struct ProbeRunner: Sendable {
    let runtime: ContainerRuntimeClient

    /// Runs a probe's handler once, bounded by `timeoutSeconds`.
    func probe(_ handler: ProbeHandler, containerID: String, podIP: String, timeoutSeconds: Int64) async -> ProbeOutcome {
        let timeout = Duration.seconds(max(1, timeoutSeconds))
        switch handler {
        case .exec(let command):
            do {
                let response = try await runtime.execSync(containerID, command: command, commandTimeoutSeconds: timeoutSeconds)
                let output = String(decoding: response.stdout + response.stderr, as: UTF8.self)
                return ProbeOutcome(response.exitCode == 0 ? .success : .failure, output)
            } catch let error as CRIError where error.code == .deadlineExceeded || "\(error)".contains("timeout") {
                return ProbeOutcome(.failure, "command \(Self.goQuoted(command)) timed out")
            } catch {
                return ProbeOutcome(.error, "\(error)")
            }
        case .httpGet(let action):
            return await HTTPProbe.get(action, podIP: podIP, timeout: timeout)
        case .tcpSocket(let host, let port):
            return await Self.connect(host: host.isEmpty ? podIP : host, port: port, timeout: timeout)
        case .grpc(let port, let service):
            return await GRPCProbe.check(host: podIP, port: port, service: service, timeout: timeout)
        case .sleep:
            return ProbeOutcome(.error, "sleep is not a probe handler")
        }
    }

    /// Connects and closes at once: success when the connection is accepted.
    static func connect(host: String, port: Int, timeout: Duration) async -> ProbeOutcome {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
                .connect(host: host, port: port).get()
            try? await channel.close().get()
            return ProbeOutcome(.success)
        } catch {
            return ProbeOutcome(.failure, "dial tcp \(hostPort(host, port)): \(error)")
        }
    }

    static func hostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `["sh", "-c", "x"]` as Go's `%q` of a slice prints it.
    static func goQuoted(_ command: [String]) -> String {
        "[" + command.map { "\"" + $0.replacing("\"", with: "\\\"") + "\"" }.joined(separator: " ") + "]"
    }
}
