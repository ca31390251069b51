import NIOCore
import NIOPosix
import Synchronization

/// A plain TCP server on 127.0.0.1 that reads each request (head and Content-Length body) and
/// answers with a script writing raw bytes, so tests control every byte of the response. After
/// the script it waits for the client to close and reports that on `closed`.
final class ScriptedServer: Sendable {
    typealias Writer = NIOAsyncChannelOutboundWriter<ByteBuffer>
    typealias Script = @Sendable (_ request: [UInt8], _ out: Writer) async throws -> Void

    let port: Int
    /// One element per connection the client closed.
    let closed: AsyncStream<Void>
    /// The requests as received, head and body bytes.
    private let requests = Mutex<[[UInt8]]>([])
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    var received: [[UInt8]] { requests.withLock { $0 } }

    init(script: @escaping Script) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(host: "127.0.0.1", port: 0) { child in
                child.eventLoop.makeCompletedFuture {
                    // `finish()` on the writer then half-closes: the client reads end of input.
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: child,
                        configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        port = server.channel.localAddress!.port!
        let (closed, closedSink) = AsyncStream<Void>.makeStream()
        self.closed = closed
        task.withLock {
            $0 = Task {
                try? await server.executeThenClose { connections in
                    try await withThrowingDiscardingTaskGroup { group in
                        for try await connection in connections {
                            group.addTask {
                                try? await connection.executeThenClose { inbound, outbound in
                                    var input = inbound.makeAsyncIterator()
                                    let request = try await Self.readRequest(&input)
                                    self.requests.withLock { $0.append(request) }
                                    try await script(request, outbound)
                                    while try await input.next() != nil {}
                                    closedSink.yield()
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static func readRequest(_ input: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        var headEnd: Int?
        while true {
            if headEnd == nil, let range = bytes.firstRange(of: Array("\r\n\r\n".utf8)) { headEnd = range.upperBound }
            if let headEnd {
                let head = String(decoding: bytes[..<headEnd], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingPrefix(" ")) } ?? 0
                if bytes.count >= headEnd + length { return bytes }
            }
            guard let buffer = try await input.next() else { return bytes }
            bytes += buffer.readableBytesView
        }
    }

    func stop() async {
        let task = self.task.withLock { $0 }
        task?.cancel()
        await task?.value
    }
}

extension NIOAsyncChannelOutboundWriter<ByteBuffer> {
    func write(_ text: String) async throws {
        try await write(ByteBuffer(string: text))
    }
}
