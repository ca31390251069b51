/// A failure of the client itself (configuration, connection, transport), as opposed to an API
/// error, which is thrown as `StatusError` decoded from the server's `Status`.
public struct KubeClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, so callers can branch without matching on messages.
    public enum Kind: String, Hashable, Sendable {
        /// The server URL could not be used (scheme, host, port).
        case badServerURL
        /// A kubeconfig file or the credentials it names could not be read or understood.
        case kubeconfig
        /// TLS material (CA, certificate, key) was refused by the TLS library.
        case tls
        /// No connection could be made (refused, unreachable, handshake failed).
        case connect
        /// The connection ended before the response did (the apiserver may have restarted).
        case connectionClosed
        /// The server did not answer within the request timeout.
        case timeout
        /// The server answered something the client cannot decode.
        case badResponse
        /// The request could not be built from the arguments.
        case invalidRequest
        /// `shutdown()` was called.
        case shutdown
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

extension KubeClientError {
    static func badServerURL(_ url: String, _ why: String) -> KubeClientError {
        KubeClientError(.badServerURL, "invalid server URL \"\(url)\": \(why)")
    }

    static func kubeconfig(_ path: String, _ why: String) -> KubeClientError {
        KubeClientError(.kubeconfig, "kubeconfig \(path): \(why)")
    }

    static func connectionClosed(_ detail: String = "") -> KubeClientError {
        KubeClientError(.connectionClosed, "connection to the API server closed before the response completed"
            + (detail.isEmpty ? "" : " (\(detail))"))
    }

    static let shutdown = KubeClientError(.shutdown, "the client has been shut down")
}
