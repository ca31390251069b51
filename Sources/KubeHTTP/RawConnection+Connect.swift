import NIOCore
import NIOPosix
import NIOSSL

extension RawConnection {
    /// Opens a client connection (TCP, then TLS when `tls` is set) whose bytes are read and
    /// written raw: the HTTP/1.1 clients (`UpgradeClient`, `HTTP1Client`) write their heads as
    /// bytes and parse the answer themselves, so an upgrade can keep the same connection.
    static func connect(
        host: String, port: Int, tls: NIOSSLContext?, serverHostname: String?,
        group: any EventLoopGroup, connectTimeout: Duration
    ) async throws -> RawConnection {
        try await ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            // A plain connection's peer may half-close after its answer; TLS ends with close_notify.
            .channelOption(.allowRemoteHalfClosure, value: tls == nil)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        let handler = try NIOSSLClientHandler(context: tls, serverHostname: serverHostname)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                    let handler = RawBridgeHandler(active: true)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    return RawConnection(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
                }
            }
    }

    /// `read()` that closes the connection when the calling task is cancelled (the pending read
    /// then ends), so a reader that goes away never leaves the connection open.
    func readClosingOnCancel() async throws -> ByteBuffer? {
        let channel = self.channel
        return try await withTaskCancellationHandler {
            try Task.checkCancellation()
            let buffer = try await read()
            try Task.checkCancellation()
            return buffer
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}
