import NIOCore
import NIOHTTP1
import Synchronization

extension HTTPServer {
    /// Serves the requests of one HTTP/1.1 connection or one HTTP/2 stream.
    func serve(_ connection: StreamWithPeer) async {
        let current = CurrentRequest()
        connection.closeFuture.whenComplete { _ in current.cancel() }
        do {
            try await connection.stream.executeThenClose { inbound, outbound in
                let writer = HTTPResponseWriter(outbound: outbound, allocator: ByteBufferAllocator())
                var head: HTTPRequestHead?
                var body = ByteBuffer()
                var tooLarge = false
                for try await part in inbound {
                    switch part {
                    case .head(let h):
                        head = h
                        body = ByteBuffer()
                        tooLarge = false
                        if let length = h.headers.first(name: "Content-Length").flatMap(Int.init), length > configuration.maxBodySize {
                            tooLarge = true
                        }
                    case .body(var chunk):
                        if tooLarge { continue }
                        if body.readableBytes + chunk.readableBytes > configuration.maxBodySize {
                            tooLarge = true
                            body = ByteBuffer()
                        } else {
                            body.writeBuffer(&chunk)
                        }
                    case .end:
                        guard let h = head else { continue }
                        head = nil
                        if tooLarge {
                            try await writer.respond(status: .payloadTooLarge, headers: ["Content-Type": "application/json", "Connection": "close"],
                                                     body: Array(#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the request body is too large (limit \#(configuration.maxBodySize) bytes)","reason":"RequestEntityTooLarge","code":413}"#.utf8))
                            return
                        }
                        let request = HTTPServerRequest(method: h.method, uri: h.uri, headers: h.headers, body: body,
                                                        peer: connection.peer, isHTTP2: connection.isHTTP2,
                                                        upgrader: connection.upgrader)
                        // HTTP/2 carries one request per stream and its heads say version 2.0, which
                        // `isKeepAlive` (an HTTP/1 notion) reports as false: a served stream waits
                        // below for its end instead of returning here, where closing the stream
                        // reset it (RST_STREAM CANCEL) whenever flow control still held back part of
                        // the response, e.g. a first large response on a new connection written
                        // before the client's WINDOW_UPDATE arrived.
                        let keepAlive = connection.isHTTP2 || h.isKeepAlive
                        let ok = await handle(request, writer: writer, current: current)
                        if !ok || !keepAlive || connection.upgrader?.wasTakenOver == true { return }
                    }
                }
                // An HTTP/2 stream closes itself once both sides have ended. Closing it here
                // instead would reset it while the peer's flow-control window still holds back
                // part of the response (anything over 64 KiB for a client with default windows).
                if connection.isHTTP2 { try? await connection.closeFuture.get() }
            }
        } catch {
            logger.debug("stream ended", metadata: ["error": "\(error)"])
        }
    }

    /// Runs the responder in a task that is cancelled when the peer goes away (ends a watch).
    /// Returns false when the connection should not be reused.
    private func handle(_ request: HTTPServerRequest, writer: HTTPResponseWriter, current: CurrentRequest) async -> Bool {
        let responder = self.responder
        let logger = self.logger
        let task = Task {
            do {
                try await responder.respond(to: request, writer: writer)
                return true
            } catch is CancellationError {
                return false
            } catch {
                logger.debug("request failed", metadata: ["uri": "\(request.uri)", "error": "\(error)"])
                return false
            }
        }
        current.set(task)
        // The request task is unstructured (so a closed connection can cancel it): forward the
        // cancellation of this connection's task too, e.g. when the server shuts down.
        let ok = await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
        current.set(nil)
        return ok
    }
}

/// The task serving the current request of a connection, so closing the connection cancels it.
final class CurrentRequest: Sendable {
    private let state = Mutex<(task: Task<Bool, Never>?, closed: Bool)>((nil, false))

    func set(_ task: Task<Bool, Never>?) {
        let cancelNow = state.withLock { s -> Bool in
            s.task = task
            return s.closed
        }
        if cancelNow { task?.cancel() }
    }

    func cancel() {
        let task = state.withLock { s -> Task<Bool, Never>? in
            s.closed = true
            return s.task
        }
        task?.cancel()
    }
}
