import NIOCore
import NIOHTTP1

/// Kubernetes' remote command protocol (exec, attach) from a WebSocket client speaking
/// `v5.channel.k8s.io` to a server that speaks it over SPDY (`v4.channel.k8s.io`): containerd
/// 1.6's streaming server knows WebSocket only up to v4, which has no way to close stdin, so
/// `kubectl exec -i pod -- cat < file` would never end. Over SPDY, closing stdin is the end of the
/// stdin stream. Channels: 0 stdin, 1 stdout, 2 stderr, 3 error (the exit status), 4 resize,
/// 255 close (v5: the one payload byte names the channel).
public enum RemoteCommandBridge {
    public static let spdyProtocol = "v4.channel.k8s.io"

    /// The streams a request asks for (upstream's `input`, `output`, `error`, `tty` options).
    public struct Streams: Sendable, Equatable {
        public var stdin: Bool
        public var stdout: Bool
        public var stderr: Bool
        public var tty: Bool

        public init(stdin: Bool, stdout: Bool, stderr: Bool, tty: Bool) {
            self.stdin = stdin
            self.stdout = stdout
            // A terminal merges stderr into stdout: the server expects no stderr stream then.
            self.stderr = stderr && !tty
            self.tty = tty
        }

        /// (channel, stream type) in the order client-go opens them: the error stream first.
        var opened: [(channel: UInt8, type: String)] {
            var out: [(UInt8, String)] = [(3, "error")]
            if stdin { out.append((0, "stdin")) }
            if stdout { out.append((1, "stdout")) }
            if stderr { out.append((2, "stderr")) }
            if tty { out.append((4, "resize")) }
            return out
        }
    }

    /// The upgrade request for the SPDY server at `uri`.
    public static func backendHead(uri: String, host: String) -> HTTPRequestHead {
        let headers: HTTPHeaders = [
            "Host": host, "Connection": "Upgrade", "Upgrade": "SPDY/3.1", "X-Stream-Protocol-Version": spdyProtocol,
        ]
        return HTTPRequestHead(version: .http1_1, method: .POST, uri: uri, headers: headers)
    }

    /// The SYN_STREAM frames opening `streams` (ids 1, 3, 5, ...), and channel -> stream id.
    static func openStreams(_ streams: Streams) -> (ByteBuffer, [UInt8: UInt32]) {
        var writer = SPDYFrameWriter()
        var bytes = ByteBuffer()
        var ids: [UInt8: UInt32] = [:]
        for (index, stream) in streams.opened.enumerated() {
            let id = UInt32(2 * index + 1)
            ids[stream.channel] = id
            var frame = writer.encode(.synStream(streamID: id, headers: [SPDYHeader("streamType", stream.type)], fin: false))
            bytes.writeBuffer(&frame)
        }
        return (bytes, ids)
    }

    /// What one complete client message asks of the SPDY side, or nil to ignore it.
    static func translate(message: ByteBuffer, ids: [UInt8: UInt32], stdinClosed: inout Bool) -> SPDYFrame? {
        var message = message
        guard let channel = message.readInteger(as: UInt8.self) else { return nil }
        switch channel {
        case 0, 4:
            guard let id = ids[channel], message.readableBytes > 0, !(channel == 0 && stdinClosed) else { return nil }
            return .data(streamID: id, fin: false, payload: message)
        case 255:
            guard message.readInteger(as: UInt8.self) == 0, let id = ids[0], !stdinClosed else { return nil }
            stdinClosed = true
            return .data(streamID: id, fin: true, payload: ByteBuffer())
        default:
            return nil
        }
    }

    /// Opens the streams on `backend` (already switched to SPDY) and relays until either side
    /// ends; closes both.
    public static func run(client: RawConnection, backend: RawConnection, streams: Streams) async {
        let (synStreams, ids) = openStreams(streams)
        let channels = Dictionary(uniqueKeysWithValues: ids.map { ($0.value, $0.key) })
        let closer = CloseFrameOnce(client)
        do {
            try await backend.write(synStreams)
        } catch {
            await closer.send(1011)
            await client.close()
            await backend.close()
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Client messages -> stream data; channel 255 ends stdin.
                var writer = SPDYFrameWriter()
                var message = ByteBuffer()
                var stdinClosed = false
                await WebSocketTunnel.readData(from: client, closer: closer) { payload, fin in
                    var payload = payload
                    message.writeBuffer(&payload)
                    guard fin else { return }
                    defer { message.clear() }
                    if let out = translate(message: message, ids: ids, stdinClosed: &stdinClosed) {
                        try await backend.write(writer.encode(out))
                    }
                }
                await backend.close()
                await client.close()
            }
            group.addTask {
                // Stream data -> channel messages; the server ends the session by closing.
                var reader = SPDYFrameReader()
                var writer = SPDYFrameWriter()
                do {
                    while let bytes = try await backend.read() {
                        for frame in try reader.feed(bytes) {
                            switch frame {
                            case .data(let id, _, var payload):
                                guard let channel = channels[id], channel == 1 || channel == 2 || channel == 3,
                                      payload.readableBytes > 0 else { continue }
                                var out = ByteBuffer()
                                out.writeInteger(channel)
                                out.writeBuffer(&payload)
                                try await client.write(WebSocketTunnel.frame(.binary, out))
                            case .ping(let id):
                                try await backend.write(writer.encode(.ping(id: id)))
                            default:
                                continue
                            }
                        }
                    }
                    await closer.send(1000)
                } catch {
                    await closer.send(1011)
                }
                await client.close()
                await backend.close()
            }
            await group.waitForAll()
        }
    }
}
