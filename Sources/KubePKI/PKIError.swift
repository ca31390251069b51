#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An error from certificate, key, address or kubeconfig handling.
///
/// Every error names what it was looking at (a file path, a CIDR, an address) so the supervisor can log
/// it as is: a bootstrap failure must tell the operator which file to look at.
public struct PKIError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The broad class of failure, for callers that branch on it (tests, the CLI's exit codes).
    public enum Kind: String, Sendable, Equatable {
        /// A CIDR string could not be parsed or has no usable address.
        case invalidCIDR
        /// An IP address string could not be parsed.
        case invalidIPAddress
        /// A PEM or DER document is malformed or holds an unexpected type.
        case invalidEncoding
        /// A key file exists but cannot be read or parsed; it is never replaced silently.
        case corruptKey
        /// A CA file exists but its companion is missing or does not match it.
        case inconsistentCA
        /// A host name, node name or domain is not a valid DNS name.
        case invalidName
        /// A certificate lacks something the caller needs (e.g. a subject common name).
        case missingField
        /// A file-system operation failed.
        case io
    }

    /// The class of failure.
    public let kind: Kind
    /// A human-readable explanation including the offending input.
    public let message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func invalidCIDR(_ cidr: String, _ reason: String) -> PKIError {
        PKIError(.invalidCIDR, "invalid CIDR \"\(cidr)\": \(reason)")
    }

    static func invalidIPAddress(_ text: String) -> PKIError {
        PKIError(.invalidIPAddress, "invalid IP address \"\(text)\"")
    }

    static func invalidEncoding(_ what: String, _ underlying: (any Error)? = nil) -> PKIError {
        let suffix = underlying.map { ": \($0)" } ?? ""
        return PKIError(.invalidEncoding, "cannot parse \(what)\(suffix)")
    }

    static func corruptKey(path: String, _ underlying: (any Error)? = nil) -> PKIError {
        let suffix = underlying.map { ": \($0)" } ?? ""
        return PKIError(
            .corruptKey,
            "key file \(path) exists but cannot be used (not a readable P-256 private key)\(suffix); "
                + "refusing to replace it, fix or remove it by hand")
    }

    static func inconsistentCA(_ message: String) -> PKIError {
        PKIError(.inconsistentCA, message)
    }

    static func invalidName(_ what: String, _ name: String) -> PKIError {
        PKIError(.invalidName, "invalid \(what) \"\(name)\": not a DNS name")
    }

    static func missingField(_ message: String) -> PKIError {
        PKIError(.missingField, message)
    }

    static func io(_ operation: String, path: String, errno code: Int32) -> PKIError {
        PKIError(.io, "\(operation) \(path): \(String(cString: strerror(code))) (errno \(code))")
    }
}
