#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
import Synchronization

/// One accepted client, served on its own thread with blocking calls: splits the input at `\n`,
/// refuses lines longer than the limit (so a client cannot make the supervisor buffer without
/// bound), and hands each request to the handler in a task while this thread waits for the answer.
struct ControlConnection {
    let fd: Int32
    /// Signalled when the current request's answer is ready, or when the server stops.
    let answered: DispatchSemaphore
    let connections: ConnectionRegistry
    let maxRequestBytes: Int

    func serve(handler: any ControlHandler, serverUID: UInt32) {
        // Without credentials nobody can be vouched for, so the connection is refused too.
        let peerUID = self.peerUID()
        guard let peerUID, ControlServer.isAllowed(peerUID: peerUID, serverUID: serverUID) else {
            _ = send(ControlResponse.failure(ControlError.permissionDenied(uid: peerUID ?? UInt32.max).message).encodedLine())
            return
        }
        var buffer: [UInt8] = []
        // How far `buffer` was already searched for a newline, so a slow client costs linear time.
        var scanned = 0
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            while let newline = buffer[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
                guard newline <= maxRequestBytes else { return refuseOversize() }
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                scanned = 0
                guard answer(line, handler: handler) else { return }
            }
            scanned = buffer.count
            if buffer.count > maxRequestBytes { return refuseOversize() }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                return
            }
            if count == 0 {
                // A last request without its newline still counts.
                if !buffer.isEmpty { _ = answer(buffer, handler: handler) }
                return
            }
            buffer.append(contentsOf: chunk[0..<count])
        }
    }

    /// Answers one line; false when the connection should end (the client left or the server stops).
    private func answer(_ line: [UInt8], handler: any ControlHandler) -> Bool {
        // Blank lines (e.g. a client's `\r\n` habit or a keep-alive) are not requests.
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { return true }
        let reply = Reply()
        let answered = self.answered
        // The handler is async and may take seconds (a restart waits for the new process); this
        // thread waits for it, the cooperative pool does not.
        Task {
            let response = await ControlDispatcher.respond(to: line, handler: handler)
            reply.set(response.encodedLine())
            answered.signal()
        }
        answered.wait()
        guard !connections.isStopped, let bytes = reply.take() else { return false }
        return send(bytes)
    }

    private func refuseOversize() {
        _ = send(ControlResponse.failure(ControlError.requestTooLarge(limit: maxRequestBytes).message).encodedLine())
    }

    /// Writes all of `bytes`; false when the client is gone.
    private func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    /// The client's user id as the kernel reports it (`SO_PEERCRED`), nil when unavailable.
    private func peerUID() -> UInt32? {
        var credentials = PeerCredentials()
        var length = socklen_t(MemoryLayout<PeerCredentials>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0,
              Int(length) == MemoryLayout<PeerCredentials>.size else { return nil }
        return credentials.uid
    }
}

/// `struct ucred` of `<sys/socket.h>`, which Swift does not see (it needs `_GNU_SOURCE`):
/// the peer's pid, uid and gid as `SO_PEERCRED` returns them.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// A response handed from the handler's task to the connection's thread.
private final class Reply: Sendable {
    private let value = Mutex<[UInt8]?>(nil)

    func set(_ bytes: [UInt8]) { value.withLock { $0 = bytes } }
    func take() -> [UInt8]? { value.withLock { $0.take() } }
}

/// The open connections, so `stop()` can end them, and whether the server is stopping.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        let fd: Int32
        let answered: DispatchSemaphore
    }

    private struct State {
        var stopped = false
        var nextID = 0
        var open: [Int: Entry] = [:]
    }

    private let state = Mutex(State())

    /// Registers an accepted descriptor; nil once the server is stopping.
    func add(_ fd: Int32) -> (id: Int, answered: DispatchSemaphore)? {
        state.withLock { state in
            guard !state.stopped else { return nil }
            let id = state.nextID
            state.nextID += 1
            let entry = Entry(fd: fd, answered: DispatchSemaphore(value: 0))
            state.open[id] = entry
            return (id, entry.answered)
        }
    }

    func remove(_ id: Int) {
        _ = state.withLock { $0.open.removeValue(forKey: id) }
    }

    var isStopped: Bool { state.withLock { $0.stopped } }

    /// Marks the server as stopping and wakes every connection's thread: a blocked `recv` or
    /// `send` returns (the socket is shut down) and a wait for the handler ends. True the first time.
    func stopAll() -> Bool {
        state.withLock { state in
            let first = !state.stopped
            state.stopped = true
            for entry in state.open.values {
                shutdown(entry.fd, Int32(SHUT_RDWR))
                entry.answered.signal()
            }
            return first
        }
    }
}
