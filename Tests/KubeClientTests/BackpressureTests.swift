import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing
@testable import KubeClient

/// Counts the reads that reach the channel, below the handler under test.
private final class ReadCounter: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = Any
    var reads = 0
    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }
}

@Suite struct ExchangeBackpressureTests {
    /// A consumer that stops taking parts stops the reads (so HTTP/2 flow control holds the
    /// server back) and resumes them once it has caught up.
    @Test func readsPauseWhileTheConsumerIsBehindAndResumeAfter() async throws {
        let counter = ReadCounter()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(counter)
        try channel.pipeline.syncOperations.addHandler(ExchangeHandler())
        let exchange = Exchange(head: HTTPRequestHead(version: .http1_1, method: .GET, uri: "/api/v1/pods?watch=true"),
                                body: nil, timeout: nil)
        try channel.writeOutbound(exchange)
        var iterator = ResponseIterator(exchange)

        try channel.writeInbound(HTTPClientResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
        #expect(try await iterator.next() != nil)
        for index in 0..<Exchange.highWater {
            try channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "event \(index)\n")))
        }
        let before = counter.reads
        channel.read()
        #expect(counter.reads == before, "a read passed while \(Exchange.highWater) parts wait")

        for _ in 0..<(Exchange.highWater - Exchange.lowWater) { _ = try await iterator.next() }
        channel.embeddedEventLoop.run()
        #expect(counter.reads == before + 1, "the held read resumes at the low-water mark")
        channel.read()
        #expect(counter.reads == before + 2)

        try channel.writeInbound(HTTPClientResponsePart.end(nil))
        var rest = 0
        while try await iterator.next() != nil { rest += 1 }
        #expect(rest == Exchange.lowWater)
        _ = try channel.finish()
    }
}
