#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import COpenSSL

/// Asks a component's health endpoint for its status.
public protocol HealthProbing: Sendable {
    /// The HTTP status of `GET https://<host>:<port><path>`; throws on connection or TLS failure.
    func status(host: String, port: Int, path: String, timeout: Duration) async throws -> Int
}

/// Why a health probe got no HTTP status. `message` is meant for the log as is.
public struct ProbeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Nothing listens on the port.
        case refused
        /// No complete answer before the deadline (connect, handshake or response).
        case timedOut
        /// The server's certificate did not verify (wrong CA, wrong identity, expired).
        case verification
        /// The TLS handshake failed otherwise, e.g. the server refused our client certificate.
        case handshake
        /// Another socket or TLS failure, or a response that is not HTTP.
        case failed
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// A minimal HTTPS client for health endpoints: one blocking `GET` per connection on a thread of
/// its own (never on Swift's cooperative pool), mutual TLS 1.2+ with the supervisor's client
/// certificate, the server verified against the cluster's server CA and its certificate checked
/// against the IP address (or name) probed.
///
/// It uses the system's OpenSSL rather than SwiftNIO and BoringSSL: the supervisor is the one
/// process that never restarts, and the event loop machinery cost it about 4 MB of resident memory
/// for a request every few seconds. One `SSL_CTX`, built here, serves every probe.
public final class ReadinessProbe: HealthProbing {
    let context: TLSClientContext

    /// Throws `ProbeError` (kind `.failed`) when a PEM does not parse or the key does not match.
    public init(caPEM: String, clientCertificatePEM: String, clientKeyPEM: String) throws {
        context = try TLSClientContext(caPEM: caPEM, certificatePEM: clientCertificatePEM, keyPEM: clientKeyPEM)
    }

    /// The HTTP status of `GET https://<host>:<port><path>`; throws `ProbeError` on connection or
    /// TLS failure, or when no status line arrived within `timeout` (which bounds the whole exchange).
    public func status(host: String, port: Int, path: String, timeout: Duration) async throws -> Int {
        let context = self.context
        let deadline = ContinuousClock.now + timeout
        return try await withCheckedThrowingContinuation { continuation in
            // OpenSSL and the blocking socket calls run on a short-lived thread; the handshake
            // needs more stack than a thread that only waits.
            detachThread(stackSize: 512 * 1024) {
                continuation.resume(with: Result {
                    try ProbeExchange(context: context, host: host, port: port, deadline: deadline, timeout: timeout)
                        .run(path: path)
                })
            }
        }
    }
}

/// The shared client `SSL_CTX`: configured once, then only read (OpenSSL allows using one
/// context from many threads at once), hence `@unchecked Sendable`.
final class TLSClientContext: @unchecked Sendable {
    let pointer: OpaquePointer

    init(caPEM: String, certificatePEM: String, keyPEM: String) throws(ProbeError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw ProbeError(.failed, "cannot create a TLS context: \(OpenSSLErrors.drain())")
        }
        pointer = context
        // From here on `deinit` frees the context if a step below throws.
        guard swiftlet_SSL_CTX_set_min_proto_version(context, swiftlet_TLS1_2_VERSION()) == 1 else {
            throw ProbeError(.failed, "cannot require TLS 1.2: \(OpenSSLErrors.drain())")
        }
        _ = swiftlet_SSL_CTX_set_mode(context, swiftlet_SSL_MODE_AUTO_RETRY())
        _ = SSL_CTX_set_options(context, UInt64(swiftlet_SSL_OP_NO_RENEGOTIATION()))
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)

        let authorities = try PEM.certificates(caPEM, what: "CA certificate")
        defer { authorities.forEach { X509_free($0) } }
        let store = SSL_CTX_get_cert_store(context)
        for authority in authorities where X509_STORE_add_cert(store, authority) != 1 {
            throw ProbeError(.failed, "cannot trust the CA certificate: \(OpenSSLErrors.drain())")
        }

        let chain = try PEM.certificates(certificatePEM, what: "client certificate")
        defer { chain.forEach { X509_free($0) } }
        guard SSL_CTX_use_certificate(context, chain[0]) == 1 else {
            throw ProbeError(.failed, "cannot use the client certificate: \(OpenSSLErrors.drain())")
        }
        for intermediate in chain.dropFirst() where swiftlet_SSL_CTX_add1_chain_cert(context, intermediate) != 1 {
            throw ProbeError(.failed, "cannot use the client certificate chain: \(OpenSSLErrors.drain())")
        }
        let key = try PEM.privateKey(keyPEM)
        defer { EVP_PKEY_free(key) }
        guard SSL_CTX_use_PrivateKey(context, key) == 1, SSL_CTX_check_private_key(context) == 1 else {
            throw ProbeError(.failed, "the client key does not match the client certificate: \(OpenSSLErrors.drain())")
        }
        // ALPN: the components' servers speak HTTP/2 too; this client only HTTP/1.1.
        let alpn: [UInt8] = [8] + Array("http/1.1".utf8)
        _ = SSL_CTX_set_alpn_protos(context, alpn, UInt32(alpn.count))
    }

    deinit { SSL_CTX_free(pointer) }
}

/// PEM text to OpenSSL objects.
enum PEM {
    /// Every certificate in `text`, in order (at least one); the caller frees them.
    static func certificates(_ text: String, what: String) throws(ProbeError) -> [OpaquePointer] {
        var result: [OpaquePointer] = []
        let bytes = Array(text.utf8)
        ERR_clear_error()
        bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return }
            defer { BIO_free(bio) }
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) { result.append(certificate) }
        }
        // Reading past the last certificate leaves a "no start line" error behind.
        ERR_clear_error()
        guard !result.isEmpty else { throw ProbeError(.failed, "no \(what) in the PEM text") }
        return result
    }

    /// The first private key in `text`; the caller frees it.
    static func privateKey(_ text: String) throws(ProbeError) -> OpaquePointer {
        let bytes = Array(text.utf8)
        ERR_clear_error()
        let key: OpaquePointer? = bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let key else { throw ProbeError(.failed, "no private key in the PEM text: \(OpenSSLErrors.drain())") }
        return key
    }
}

/// OpenSSL's per-thread error queue as text.
enum OpenSSLErrors {
    /// The reasons queued on this thread, oldest first, joined with "; " (and the queue emptied).
    static func drain() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            guard code != 0 else { break }
            if let reason = ERR_reason_error_string(code) {
                reasons.append(String(cString: reason))
            } else {
                var buffer = [CChar](repeating: 0, count: 256)
                ERR_error_string_n(code, &buffer, buffer.count)
                reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
        }
        return reasons.isEmpty ? "unknown error" : reasons.joined(separator: "; ")
    }
}
