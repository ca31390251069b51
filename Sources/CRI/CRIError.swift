import GRPCCore

/// A gRPC status code as returned by a CRI runtime.
///
/// Mirrors the 17 canonical gRPC codes so that callers need not import GRPCCore.
public enum CRIStatusCode: Int, Sendable, Hashable, CustomStringConvertible {
    case ok = 0
    case cancelled = 1
    case unknown = 2
    case invalidArgument = 3
    case deadlineExceeded = 4
    case notFound = 5
    case alreadyExists = 6
    case permissionDenied = 7
    case resourceExhausted = 8
    case failedPrecondition = 9
    case aborted = 10
    case outOfRange = 11
    case unimplemented = 12
    case `internal` = 13
    case unavailable = 14
    case dataLoss = 15
    case unauthenticated = 16

    public var description: String {
        switch self {
        case .ok: "OK"
        case .cancelled: "Canceled"
        case .unknown: "Unknown"
        case .invalidArgument: "InvalidArgument"
        case .deadlineExceeded: "DeadlineExceeded"
        case .notFound: "NotFound"
        case .alreadyExists: "AlreadyExists"
        case .permissionDenied: "PermissionDenied"
        case .resourceExhausted: "ResourceExhausted"
        case .failedPrecondition: "FailedPrecondition"
        case .aborted: "Aborted"
        case .outOfRange: "OutOfRange"
        case .unimplemented: "Unimplemented"
        case .internal: "Internal"
        case .unavailable: "Unavailable"
        case .dataLoss: "DataLoss"
        case .unauthenticated: "Unauthenticated"
        }
    }
}

/// An error from a CRI call: the runtime could not be reached, or it answered with a gRPC error.
public enum CRIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The runtime's socket does not exist, is not a socket, or refused the connection.
    case unavailable(socket: String, reason: String)
    /// The runtime answered `method` (e.g. "RuntimeService/ContainerStatus") with a non-OK status.
    /// A call that ran out of its deadline has code `.deadlineExceeded`.
    case rpc(method: String, code: CRIStatusCode, message: String)
    /// The client was used after `shutdown()`.
    case shutDown(method: String)

    /// The gRPC code, when the runtime answered (`.unavailable` for an unreachable socket).
    public var code: CRIStatusCode {
        switch self {
        case .unavailable: .unavailable
        case .rpc(_, let code, _): code
        case .shutDown: .cancelled
        }
    }

    /// Whether the runtime reported that the object (container, sandbox, image) does not exist.
    public var isNotFound: Bool { code == .notFound }

    public var description: String {
        switch self {
        case .unavailable(let socket, let reason):
            "container runtime unavailable at \(socket): \(reason)"
        case .rpc(let method, let code, let message):
            "CRI \(method) failed: \(code): \(message)"
        case .shutDown(let method):
            "CRI \(method) called after the client was shut down"
        }
    }
}

extension CRIError {
    /// Maps whatever a generated client threw into a `CRIError` naming the RPC.
    static func from(_ error: any Error, method: String, socket: String) -> CRIError {
        if let error = error as? CRIError { return error }
        if let rpc = error as? RPCError {
            let code = CRIStatusCode(rawValue: rpc.code.rawValue) ?? .unknown
            // The transport reports connection failures (ENOENT, ECONNREFUSED, a dropped
            // connection) as UNAVAILABLE; containerd does not use the code for its own errors.
            if code == .unavailable {
                // The transport's own error (a GOAWAY, a protocol error) says why the stream closed.
                let cause = rpc.cause.map { " (\($0))" } ?? ""
                return .unavailable(socket: socket, reason: "\(method): \(rpc.message)\(cause)")
            }
            return .rpc(method: method, code: code, message: rpc.message)
        }
        if let runtime = error as? RuntimeError, runtime.code == .clientIsStopped {
            return .shutDown(method: method)
        }
        if error is CancellationError {
            return .rpc(method: method, code: .cancelled, message: "the calling task was cancelled")
        }
        return .rpc(method: method, code: .unknown, message: String(describing: error))
    }
}
