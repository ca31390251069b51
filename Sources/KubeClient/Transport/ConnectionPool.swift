import NIOCore
import NIOSSL
import Synchronization

/// Owns the connections to one API server. With HTTP/2 every request is a stream on one shared
/// connection; with HTTP/1.1 a request takes an idle connection (or opens one) and gives it back
/// when its response ends. Dead or draining connections are replaced lazily, by the next request.
final class ConnectionPool: Sendable {
    private struct State {
        /// The HTTP/2 connection everyone shares.
        var shared: Connection?
        /// A connect in progress, joined by concurrent requests so a burst opens one connection.
        var pending: Task<Connection, any Error>?
        /// Set once the server answered ALPN with http/1.1: connects are then per request.
        var serverIsHTTP1 = false
        var idle: [Connection] = []
        /// Every open connection, to close them all on shutdown and to find HTTP/1.1 ones on release.
        var open: [ObjectIdentifier: Connection] = [:]
        /// HTTP/1.1 connections handed to a request and not yet given back.
        var busy: Set<ObjectIdentifier> = []
        var isShutdown = false
    }

    private let server: ServerAddress
    private let serverName: String?
    private let tls: NIOSSLContext
    private let group: any EventLoopGroup
    private let connectTimeout: Duration
    private let maxIdle: Int
    private let state = Mutex(State())

    init(server: ServerAddress, serverName: String?, tls: NIOSSLContext, group: any EventLoopGroup, connectTimeout: Duration, maxIdle: Int) {
        self.server = server
        self.serverName = serverName
        self.tls = tls
        self.group = group
        self.connectTimeout = connectTimeout
        self.maxIdle = maxIdle
    }

    /// Sends the exchange on a suitable connection. Errors before the request left are thrown;
    /// later ones arrive through the exchange's response stream.
    func send(_ exchange: Exchange) async throws {
        let connection = try await acquire()
        do {
            try await connection.send(exchange)
        } catch {
            let failure = (error as? KubeClientError) ?? KubeClientError.connectionClosed("\(error)")
            exchange.continuation.finish(throwing: failure)
            if connection.isHTTP2 {
                // Opening a stream failed: the connection is unusable for new work.
                if !connection.channel.isActive || connection.state.draining.load(ordering: .relaxed) {
                    forget(connection)
                }
            } else {
                connection.channel.close(promise: nil)
            }
            throw failure
        }
    }

    /// The connection of HTTP/2 or an exclusive HTTP/1.1 one.
    private func acquire() async throws -> Connection {
        while true {
            enum Next { case use(Connection), join(Task<Connection, any Error>), connectOwn }
            let next: Next = try state.withLock { state in
                guard !state.isShutdown else { throw KubeClientError.shutdown }
                if let shared = state.shared {
                    if shared.isUsable { return .use(shared) }
                    state.shared = nil
                }
                while let candidate = state.idle.popLast() {
                    if candidate.isUsable {
                        state.busy.insert(candidate.id)
                        return .use(candidate)
                    }
                }
                if state.serverIsHTTP1 { return .connectOwn }
                if let pending = state.pending { return .join(pending) }
                let task = Task { try await self.open() }
                state.pending = task
                return .join(task)
            }
            switch next {
            case .use(let connection):
                return connection
            case .connectOwn:
                let connection = try await open()
                if connection.isHTTP2 {
                    adoptShared(connection)
                } else {
                    state.withLock { _ = $0.busy.insert(connection.id) }
                }
                return connection
            case .join(let task):
                let connection: Connection
                do { connection = try await task.value } catch {
                    state.withLock { if $0.pending == task { $0.pending = nil } }
                    throw error
                }
                let claimed: Bool = state.withLock { state in
                    if state.pending == task { state.pending = nil }
                    if connection.isHTTP2 {
                        if state.shared == nil || !state.shared!.isUsable { state.shared = connection }
                        return true
                    }
                    state.serverIsHTTP1 = true
                    // Only one of the requests that joined gets an HTTP/1.1 connection.
                    return state.busy.insert(connection.id).inserted
                }
                if claimed { return connection }
            }
        }
    }

    private func adoptShared(_ connection: Connection) {
        state.withLock { state in
            if state.shared == nil || !state.shared!.isUsable { state.shared = connection }
            state.serverIsHTTP1 = false
        }
    }

    private func open() async throws -> Connection {
        let connection = try await Connection.connect(
            to: server, serverName: serverName, tls: tls, group: group, connectTimeout: connectTimeout,
            release: { [weak self] id, reusable in self?.release(id, reusable: reusable) })
        let accepted = state.withLock { state in
            guard !state.isShutdown else { return false }
            state.open[connection.id] = connection
            return true
        }
        guard accepted else {
            connection.channel.close(promise: nil)
            throw KubeClientError.shutdown
        }
        connection.channel.closeFuture.whenComplete { [weak self] _ in self?.forget(connection) }
        return connection
    }

    /// An HTTP/1.1 response ended: keep the connection for the next request or close it.
    private func release(_ id: ObjectIdentifier, reusable: Bool) {
        let close: Connection? = state.withLock { state in
            guard let connection = state.open[id], state.busy.remove(id) != nil else { return nil }
            if reusable, !state.isShutdown, connection.isUsable, state.idle.count < maxIdle {
                state.idle.append(connection)
                return nil
            }
            state.open[id] = nil
            return connection
        }
        close?.channel.close(promise: nil)
    }

    private func forget(_ connection: Connection) {
        state.withLock { state in
            state.open[connection.id] = nil
            state.busy.remove(connection.id)
            state.idle.removeAll { $0 === connection }
            if state.shared === connection { state.shared = nil }
        }
    }

    /// Closes every connection; requests in flight fail, new ones throw `shutdown`.
    func shutdown() async {
        let (connections, pending) = state.withLock { state in
            state.isShutdown = true
            let all = Array(state.open.values)
            state.open = [:]
            state.idle = []
            state.shared = nil
            return (all, state.pending)
        }
        pending?.cancel()
        for connection in connections {
            try? await connection.channel.close()
        }
    }

    /// For tests: how many connections are open and whether they speak HTTP/2.
    var openConnections: [(id: ObjectIdentifier, http2: Bool)] {
        state.withLock { $0.open.values.map { ($0.id, $0.isHTTP2) } }
    }
}
