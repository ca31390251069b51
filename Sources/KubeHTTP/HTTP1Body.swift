import NIOCore
import NIOSSL
import Synchronization

/// A response body as it arrives: an `AsyncSequence` of buffers that ends at the body's end.
/// Iterate it once. Cancelling the iterating task, an error, `close()` or dropping the last copy
/// closes the connection, so a reader that goes away (a `kubectl logs -f` that quit) leaves
/// nothing open.
public struct HTTP1Body: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    let reader: BodyReader

    public struct AsyncIterator: AsyncIteratorProtocol {
        let reader: BodyReader

        public mutating func next() async throws -> ByteBuffer? {
            try await reader.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: reader) }

    /// Closes the connection; the body ends (or stays ended).
    public func close() async {
        await reader.connection.close()
    }
}

/// Reads and decodes one body; one reader at a time.
final class BodyReader: Sendable {
    let connection: RawConnection
    private let decoder: Mutex<HTTP1BodyDecoder>
    /// A read-until-close body over TLS may end with a close without close_notify.
    private let untilClose: Bool

    init(connection: RawConnection, decoder: HTTP1BodyDecoder, untilClose: Bool) {
        self.connection = connection
        self.decoder = Mutex(decoder)
        self.untilClose = untilClose
        if decoder.isDone { connection.channel.close(promise: nil) }
    }

    deinit {
        connection.channel.close(promise: nil)
    }

    func next() async throws -> ByteBuffer? {
        do {
            try Task.checkCancellation()
            while true {
                switch try decoder.withLock({ try $0.next() }) {
                case .data(let buffer):
                    return buffer
                case .end:
                    await connection.close()
                    return nil
                case .needMore:
                    if let buffer = try await read() {
                        decoder.withLock { $0.feed(buffer) }
                    } else {
                        try decoder.withLock { try $0.inputEnded() }
                    }
                }
            }
        } catch {
            await connection.close()
            throw error
        }
    }

    private func read() async throws -> ByteBuffer? {
        do {
            return try await connection.readClosingOnCancel()
        } catch NIOSSLError.uncleanShutdown where untilClose {
            return nil
        }
    }
}
