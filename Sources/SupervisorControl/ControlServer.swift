#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NIOCore
import NIOPosix

/// The supervisor's control socket: a unix stream socket answering one JSON request per line
/// with one JSON response per line (see `ControlRequest`, `ControlResponse`).
///
/// Security: the socket is mode 0600 in a 0700 directory, and every connection's peer is checked
/// with `SO_PEERCRED`: only root and the server's own user are served (so a root supervisor serves
/// root alone). Clients are served concurrently; requests on one connection in order.
///
/// Robustness: a line longer than `maxRequestBytes` gets an error and the connection is closed;
/// malformed JSON and unknown ops get an error response and the connection stays open.
public final class ControlServer: Sendable {
    /// The default request size limit.
    public static let defaultMaxRequestBytes = 64 * 1024

    /// The socket's path.
    public let path: String
    private let channel: any Channel
    private let serving: Task<Void, Never>

    private init(path: String, channel: any Channel, serving: Task<Void, Never>) {
        self.path = path
        self.channel = channel
        self.serving = serving
    }

    /// `<run-dir>/swiftlet.sock`.
    public static func socketPath(runDir: String) -> String {
        (runDir.hasSuffix("/") ? runDir : runDir + "/") + ControlSocketFile.fileName
    }

    /// Binds the socket and starts serving `handler`.
    ///
    /// Creates the directory (0700) when missing and removes a stale socket file nobody answers on.
    /// Throws `ControlServerError` when another server answers on `path` (its message is meant to
    /// be printed as is) or when the socket cannot be created.
    public static func start(
        path: String,
        handler: some ControlHandler,
        maxRequestBytes: Int = defaultMaxRequestBytes,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> ControlServer {
        try ControlSocketFile.prepareDirectory(of: path)
        try ControlSocketFile.removeStale(at: path)
        let serverChannel: NIOAsyncChannel<ControlConnection, Never>
        do {
            serverChannel = try await ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.backlog, value: 32)
                .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false) { channel in
                    ControlConnection.make(channel, maxRequestBytes: maxRequestBytes)
                }
        } catch {
            // Two servers racing past the stale check: the loser finds the path taken.
            if ControlSocketProbe.probe(path) == .live { throw ControlServerError.alreadyRunning(path) }
            throw ControlServerError("cannot listen on \(path): \(error)")
        }
        do {
            try ControlSocketFile.restrict(path)
        } catch {
            try? await serverChannel.channel.close()
            throw error
        }
        let ownUID = UInt32(geteuid())
        let serving = Task<Void, Never> {
            _ = try? await serverChannel.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in inbound {
                        group.addTask {
                            await connection.serve(handler: handler, serverUID: ownUID, maxRequestBytes: maxRequestBytes)
                        }
                    }
                }
            }
        }
        return ControlServer(path: path, channel: serverChannel.channel, serving: serving)
    }

    /// Stops accepting, closes open connections and removes the socket file.
    public func stop() async {
        try? await channel.close()
        serving.cancel()
        await serving.value
        // Remove only our own socket: a successor may already have bound a new one at the path.
        var info = stat()
        if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK, ControlSocketProbe.probe(path) != .live {
            unlink(path)
        }
    }

    /// Whether a peer with `uid` may use a server running as `serverUID`.
    public static func isAllowed(peerUID: UInt32, serverUID: UInt32) -> Bool {
        peerUID == 0 || peerUID == serverUID
    }
}

/// `struct ucred` of `<sys/socket.h>`, which Swift does not see (it needs `_GNU_SOURCE`):
/// the peer's pid, uid and gid as `SO_PEERCRED` returns them.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// One accepted client with the user id the kernel reported for it.
struct ControlConnection: Sendable {
    let peerUID: UInt32?
    let channel: NIOAsyncChannel<ControlFrame, ByteBuffer>

    static func make(_ channel: any Channel, maxRequestBytes: Int) -> EventLoopFuture<ControlConnection> {
        let credentials: EventLoopFuture<UInt32?>
        if let provider = channel as? any SocketOptionProvider {
            credentials = provider.unsafeGetSocketOption(
                level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)
            ).map { (credentials: PeerCredentials) -> UInt32? in credentials.uid }
            .recover { _ in nil }
        } else {
            credentials = channel.eventLoop.makeSucceededFuture(nil)
        }
        return credentials.flatMapThrowing { uid in
            try channel.pipeline.syncOperations.addHandler(
                ByteToMessageHandler(ControlLineDecoder(maxLength: maxRequestBytes)))
            return ControlConnection(
                peerUID: uid, channel: try NIOAsyncChannel(wrappingChannelSynchronously: channel))
        }
    }

    func serve(handler: some ControlHandler, serverUID: UInt32, maxRequestBytes: Int) async {
        try? await channel.executeThenClose { inbound, outbound in
            // Without credentials nobody can be vouched for, so the connection is refused too.
            guard let peerUID, ControlServer.isAllowed(peerUID: peerUID, serverUID: serverUID) else {
                let refusal = ControlResponse.failure(ControlError.permissionDenied(uid: peerUID ?? UInt32.max).message)
                try await outbound.write(ByteBuffer(bytes: refusal.encodedLine()))
                return
            }
            for try await frame in inbound {
                switch frame {
                case .line(var line):
                    let bytes = line.readBytes(length: line.readableBytes) ?? []
                    // Blank lines (e.g. a client's `\r\n` habit or a keep-alive) are not requests.
                    if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
                    let response = await ControlDispatcher.respond(to: bytes, handler: handler)
                    try await outbound.write(ByteBuffer(bytes: response.encodedLine()))
                case .tooLong:
                    let response = ControlResponse.failure(ControlError.requestTooLarge(limit: maxRequestBytes).message)
                    try await outbound.write(ByteBuffer(bytes: response.encodedLine()))
                    return
                }
            }
        }
    }
}
