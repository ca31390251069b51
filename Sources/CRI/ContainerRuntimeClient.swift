import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import NIOCore
import NIOPosix
import Synchronization

import Glibc

/// A client for a CRI runtime (containerd) over its unix socket: the `runtime.v1` RuntimeService
/// and ImageService, one HTTP/2 connection, plaintext.
///
/// Requests and responses are the generated `Runtime_V1_*` messages (Scripts/generate-cri.py). Every call has a deadline
/// (`defaultTimeout` unless the call passes its own) and fails fast when the socket cannot be
/// reached; failures are `CRIError`s naming the RPC and the gRPC status.
///
/// ```swift
/// let runtime = try await ContainerRuntimeClient.connect(socketPath: "/run/containerd/containerd.sock")
/// defer { Task { await runtime.shutdown() } }
/// let version = try await runtime.version()
/// ```
public final class ContainerRuntimeClient: Sendable {
    /// The socket this client talks to.
    public let socketPath: String
    /// The deadline of calls that do not pass their own (the kubelet's runtime-request-timeout).
    public let defaultTimeout: Duration
    /// The deadline of `pullImage` when the call passes none: pulls are slow by nature.
    public let pullTimeout: Duration

    let grpc: GRPCClient<HTTP2ClientTransport.Posix>
    let logger: Logger
    private let connections: Task<Void, Never>

    private init(
        socketPath: String, defaultTimeout: Duration, pullTimeout: Duration,
        grpc: GRPCClient<HTTP2ClientTransport.Posix>, logger: Logger
    ) {
        self.socketPath = socketPath
        self.defaultTimeout = defaultTimeout
        self.pullTimeout = pullTimeout
        self.grpc = grpc
        self.logger = logger
        // The gRPC client runs its connections until `beginGracefulShutdown`; it only throws when
        // run twice, which this class never does.
        self.connections = Task {
            do {
                try await grpc.runConnections()
            } catch let error as RuntimeError where error.code == .clientIsStopped {
                // shutdown() came before this task started: nothing to run.
            } catch {
                logger.error("CRI client stopped", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Connects to the runtime at `socketPath`.
    ///
    /// Checks that the path is a unix socket that accepts connections, so a wrong path fails here,
    /// at once, with `CRIError.unavailable` rather than on the first call. The HTTP/2 connection
    /// itself is made lazily and re-made when it drops.
    ///
    /// - Parameters:
    ///   - socketPath: the runtime's gRPC socket, e.g. `/run/containerd/containerd.sock`.
    ///   - defaultTimeout: deadline of calls that pass none (kubelet's default is 2 minutes).
    ///   - pullTimeout: deadline of `pullImage` calls that pass none.
    public static func connect(
        socketPath: String,
        defaultTimeout: Duration = .seconds(120),
        pullTimeout: Duration = .seconds(600),
        logger: Logger = Logger(label: "swiftlet.cri")
    ) async throws -> ContainerRuntimeClient {
        try probeSocket(socketPath)
        let transport: HTTP2ClientTransport.Posix
        do {
            transport = try HTTP2ClientTransport.Posix(
                target: .unixDomainSocket(path: socketPath),
                transportSecurity: .plaintext,
                config: .defaults { config in
                    // Reconnect quickly after a runtime restart; the defaults back off to minutes.
                    config.backoff.initial = .milliseconds(100)
                    config.backoff.max = .seconds(5)
                    // containerd answers every request with a PING; see PingResponder.
                    config.channelDebuggingCallbacks.onCreateTCPConnection = { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(PingResponder(), position: .first)
                        }
                    }
                }
            )
        } catch {
            throw CRIError.unavailable(socket: socketPath, reason: "\(error)")
        }
        let grpc = GRPCClient(transport: transport)
        return ContainerRuntimeClient(
            socketPath: socketPath, defaultTimeout: defaultTimeout, pullTimeout: pullTimeout,
            grpc: grpc, logger: logger)
    }

    /// Closes the connection once calls in flight have finished, and waits for that, but at most
    /// `gracePeriod`: then the connection is closed at once (a peer that never completes the
    /// HTTP/2 handshake would otherwise hold a graceful shutdown forever).
    /// Calls made afterwards fail with `CRIError.shutDown`.
    public func shutdown(gracePeriod: Duration = .seconds(5)) async {
        grpc.beginGracefulShutdown()
        let connections = self.connections
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await connections.value }
            group.addTask {
                // Cancelled (and so returns early) when the graceful shutdown wins.
                try? await Task.sleep(for: gracePeriod)
                if !Task.isCancelled { connections.cancel() }
            }
            await group.next()
            group.cancelAll()
        }
        await connections.value
    }

    /// Runs one unary RPC with a deadline and maps its failure to `CRIError` (named like
    /// "RuntimeService/ContainerStatus").
    func call<Method: CRIMethod>(
        _ method: Method.Type, _ request: Method.Input, timeout: Duration?
    ) async throws -> Method.Output {
        var options = GRPCCore.CallOptions.defaults
        // The deadline is kept by `withDeadline`, not by grpc-swift (see there).
        options.timeout = nil
        // Fail at once when the socket is gone instead of waiting out the deadline.
        options.waitForReady = false
        let grpc = self.grpc, callOptions = options
        do {
            return try await Self.withDeadline(timeout ?? defaultTimeout) {
                try await grpc.unary(
                    request: ClientRequest(message: request),
                    descriptor: Method.descriptor,
                    serializer: CRIMessageSerializer<Method.Input>(),
                    deserializer: CRIMessageDeserializer<Method.Output>(),
                    options: callOptions
                ) { response in
                    try response.message
                }
            }
        } catch {
            let name = "\(Method.descriptor.service.service)/\(Method.descriptor.method)"
            let mapped = CRIError.from(error, method: name, socket: socketPath)
            logger.debug("CRI call failed", metadata: ["method": "\(name)", "error": "\(mapped)"])
            throw mapped
        }
    }

    /// Runs `body` with a deadline: when `timeout` passes first, throws DEADLINE_EXCEEDED at once
    /// and cancels `body`; a cancelled caller gets `CancellationError` at once. The timer is an
    /// event-loop task, removed when the call ends. (grpc-swift keeps a call's deadline with a
    /// `Task.sleep` that it cancels when the call ends, and a cancelled sleep keeps its memory until
    /// the deadline would have passed: with the kubelet's 2-minute runtime-request-timeout that held
    /// a few kB per runtime call for two minutes, megabytes of the kubelet's RSS in a burst of pod
    /// starts.)
    static func withDeadline<T: Sendable>(
        _ timeout: Duration, on loop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any(),
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let outcome = CallOutcome<T>()
        let work = Task {
            do { outcome.finish(.success(try await body())) } catch { outcome.finish(.failure(error)) }
        }
        let timer = loop.scheduleTask(in: TimeAmount(max(timeout, .zero))) {
            outcome.finish(.failure(RPCError(code: .deadlineExceeded, message: "no answer within \(timeout)")))
            // Off the event loop: the call's cancellation handlers may wait for this very loop.
            Task { work.cancel() }
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await outcome.value()
        } onCancel: {
            outcome.finish(.failure(CancellationError()))
            work.cancel()
        }
    }

    /// Throws `CRIError.unavailable` unless `path` is a unix socket that accepts a connection.
    static func probeSocket(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw CRIError.unavailable(socket: path, reason: "no such socket (\(errnoText()))")
        }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw CRIError.unavailable(socket: path, reason: "not a unix socket")
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            throw CRIError.unavailable(socket: path, reason: "path longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw CRIError.unavailable(socket: path, reason: "socket(): \(errnoText())")
        }
        defer { close(fd) }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            throw CRIError.unavailable(socket: path, reason: "connect: \(errnoText())")
        }
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}

/// The first of a call's result, its deadline and its caller's cancellation, for one waiter.
private final class CallOutcome<T: Sendable>: Sendable {
    private let state = Mutex<(result: Result<T, any Error>?, waiter: CheckedContinuation<T, any Error>?)>((nil, nil))

    /// Records `result` unless something came first, and wakes the waiter.
    func finish(_ result: Result<T, any Error>) {
        let waiter = state.withLock { s -> CheckedContinuation<T, any Error>? in
            guard s.result == nil else { return nil }
            s.result = result
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(with: result)
    }

    /// The first outcome, once there is one.
    func value() async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { s -> Result<T, any Error>? in
                if s.result == nil { s.waiter = continuation }
                return s.result
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
