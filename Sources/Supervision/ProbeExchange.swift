#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import COpenSSL

/// One probe, start to end, with blocking calls: connect (non-blocking, polled, so the deadline
/// holds), TLS handshake, `GET`, and the response's status line. Every socket call is bounded by
/// the time left before `deadline` through `SO_RCVTIMEO`/`SO_SNDTIMEO`. Runs on its own thread.
struct ProbeExchange {
    let context: TLSClientContext
    let host: String
    let port: Int
    let deadline: ContinuousClock.Instant
    /// The whole exchange's budget, for messages.
    let timeout: Duration

    /// What the exchange was doing, for messages.
    enum Stage: String {
        case connect = "while connecting"
        case handshake = "during the TLS handshake"
        case request = "while sending the request"
        case response = "while waiting for the response"
    }

    /// `host:port`, with brackets around an IPv6 address.
    var endpoint: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The most a response may carry before its status line ends.
    static let maxStatusLineBytes = 8192

    func run(path: String) throws(ProbeError) -> Int {
        // A peer that resets the connection must not kill the supervisor with SIGPIPE when OpenSSL
        // writes; the signal stays pending on this thread and goes away with it.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)

        let fd = try connect()
        defer { close(fd) }
        ERR_clear_error()
        guard let ssl = SSL_new(context.pointer) else {
            throw ProbeError(.failed, "cannot create a TLS session: \(OpenSSLErrors.drain())")
        }
        defer { SSL_free(ssl) }
        guard SSL_set_fd(ssl, fd) == 1 else {
            throw ProbeError(.failed, "cannot attach the socket to TLS: \(OpenSSLErrors.drain())")
        }
        try expectIdentity(ssl)
        _ = try perform(ssl, fd, .handshake, received: false) { SSL_connect($0) }

        let request = Array((
            "GET \(path) HTTP/1.1\r\nHost: \(endpoint)\r\nUser-Agent: swiftlet-supervisor\r\n"
            + "Accept: */*\r\nConnection: close\r\n\r\n").utf8)
        var offset = 0
        while offset < request.count {
            let written = try perform(ssl, fd, .request, received: false) { ssl in
                request.withUnsafeBytes { SSL_write(ssl, $0.baseAddress! + offset, Int32($0.count - offset)) }
            }
            guard written > 0 else { throw ProbeError(.failed, "\(endpoint) closed the connection before the request was sent") }
            offset += written
        }

        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let status = try StatusLine.status(in: response, from: endpoint) {
                // A polite close_notify; the rest of the response is not needed.
                _ = SSL_shutdown(ssl)
                return status
            }
            guard response.count < Self.maxStatusLineBytes else {
                throw ProbeError(.failed, "\(endpoint) sent \(response.count) bytes without an HTTP status line")
            }
            let count = try perform(ssl, fd, .response, received: !response.isEmpty) { ssl in
                chunk.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            }
            guard count > 0 else {
                throw ProbeError(.failed, "\(endpoint) closed the connection before sending a status line")
            }
            response.append(contentsOf: chunk[0..<count])
        }
    }

    /// The server's certificate must name the address probed (an IP SAN) or the host name (a DNS SAN).
    private func expectIdentity(_ ssl: OpaquePointer) throws(ProbeError) {
        let parameters = SSL_get0_param(ssl)
        if Self.isIPAddress(host) {
            guard X509_VERIFY_PARAM_set1_ip_asc(parameters, host) == 1 else {
                throw ProbeError(.failed, "cannot expect the server identity \(host): \(OpenSSLErrors.drain())")
            }
        } else {
            guard X509_VERIFY_PARAM_set1_host(parameters, host, 0) == 1 else {
                throw ProbeError(.failed, "cannot expect the server identity \(host): \(OpenSSLErrors.drain())")
            }
            _ = swiftlet_SSL_set_tlsext_host_name(ssl, host)
        }
    }

    static func isIPAddress(_ text: String) -> Bool {
        var buffer = in6_addr()
        return inet_pton(AF_INET, text, &buffer) == 1 || inet_pton(AF_INET6, text, &buffer) == 1
    }

    /// Runs one OpenSSL I/O call until it makes progress: its result (> 0), or 0 for a clean close.
    /// `received` says whether response bytes arrived already: before that, a TLS error is the
    /// server refusing the handshake (with TLS 1.3 it rejects our certificate after our side of
    /// the handshake completed, so the alert arrives on the first read).
    private func perform(
        _ ssl: OpaquePointer, _ fd: Int32, _ stage: Stage, received: Bool, _ call: (OpaquePointer) -> Int32
    ) throws(ProbeError) -> Int {
        while true {
            try boundSocketCalls(fd, stage)
            ERR_clear_error()
            errno = 0
            let result = call(ssl)
            let code = errno
            if result > 0 { return Int(result) }
            switch SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                // A socket timeout (EAGAIN) ends up here; the deadline check above decides.
                continue
            case SSL_ERROR_ZERO_RETURN:
                return 0
            case SSL_ERROR_SYSCALL:
                if code == EINTR || code == EAGAIN || code == EWOULDBLOCK { continue }
                let queued = OpenSSLErrors.drain()
                let reason = code != 0 ? String(cString: strerror(code))
                    : queued != "unknown error" ? queued : "the connection closed unexpectedly"
                throw failure(stage, received: received, reason: reason)
            case SSL_ERROR_SSL:
                let verification = SSL_get_verify_result(ssl)
                if stage == .handshake, verification != Int(X509_V_OK) {
                    ERR_clear_error()
                    let reason = String(cString: X509_verify_cert_error_string(verification))
                    throw ProbeError(.verification, "TLS verification of \(endpoint) failed: \(reason)")
                }
                throw failure(stage, received: received, reason: OpenSSLErrors.drain())
            default:
                throw failure(stage, received: received, reason: OpenSSLErrors.drain())
            }
        }
    }

    private func failure(_ stage: Stage, received: Bool, reason: String) -> ProbeError {
        if received {
            return ProbeError(.failed, "TLS error reading the response of \(endpoint): \(reason)")
        }
        return ProbeError(.handshake, "TLS handshake with \(endpoint) failed: \(reason)")
    }

    /// Sets the socket's receive and send timeouts to the time left; throws once none is left.
    private func boundSocketCalls(_ fd: Int32, _ stage: Stage) throws(ProbeError) {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { throw timedOut(stage) }
        let (seconds, attoseconds) = left.components
        // A zero timeval means "wait forever": never less than a millisecond.
        let micro = max(attoseconds / 1_000_000_000_000, seconds == 0 ? 1000 : 0)
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int(micro))
        let size = socklen_t(MemoryLayout<timeval>.size)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, size)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, size)
    }

    private func timedOut(_ stage: Stage) -> ProbeError {
        ProbeError(.timedOut, "\(endpoint) did not answer within \(timeout) (\(stage.rawValue))")
    }
}

extension ProbeExchange {
    /// A connected, blocking TCP socket to `host:port`, trying each address `host` resolves to.
    private func connect() throws(ProbeError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let list else {
            throw ProbeError(.failed, "cannot resolve \(host): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = ProbeError(.failed, "\(host) has no address")
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            do {
                return try connect(current.pointee)
            } catch {
                if error.kind == .timedOut { throw error }
                lastError = error
            }
            entry = current.pointee.ai_next
        }
        throw lastError
    }

    private func connect(_ address: addrinfo) throws(ProbeError) -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(address.ai_family, type, 0)
        guard fd >= 0 else { throw ProbeError(.failed, "cannot create a socket: \(String(cString: strerror(errno)))") }
        if Glibc.connect(fd, address.ai_addr, address.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else {
                let code = errno
                close(fd)
                throw connectFailure(code)
            }
            var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            while true {
                let left = deadline - ContinuousClock.now
                guard left > .zero else {
                    close(fd)
                    throw timedOut(.connect)
                }
                let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
                let ready = poll(&waiting, 1, milliseconds)
                if ready > 0 { break }
                if ready < 0, errno != EINTR {
                    let code = errno
                    close(fd)
                    throw connectFailure(code)
                }
            }
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
            if code != 0 {
                close(fd)
                throw connectFailure(code)
            }
        }
        // Blocking from here on: OpenSSL's calls are bounded by the socket timeouts instead.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }

    private func connectFailure(_ code: Int32) -> ProbeError {
        switch code {
        case ECONNREFUSED: ProbeError(.refused, "connection to \(endpoint) refused (nothing listens there)")
        case ETIMEDOUT: timedOut(.connect)
        default: ProbeError(.failed, "cannot connect to \(endpoint): \(String(cString: strerror(code)))")
        }
    }
}

/// The status code of an HTTP/1.x response's first line.
enum StatusLine {
    /// The status once the first line is complete, nil while it is not; throws when it is not HTTP.
    static func status(in bytes: [UInt8], from endpoint: String) throws(ProbeError) -> Int? {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let line = String(decoding: bytes[..<newline], as: UTF8.self).trimmedWhitespace
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3,
              let status = Int(parts[1]), (100...599).contains(status) else {
            throw ProbeError(.failed, "\(endpoint) did not answer with HTTP: \"\(line.prefix(60))\"")
        }
        return status
    }
}
