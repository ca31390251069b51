import FoundationEssentials
import Glibc
import KubeAPI

/// One `serviceAccountToken` projection of a pod, as the kubelet asks the TokenRequest API for it
/// (upstream `projected.collectData` + the token manager's cache key): the pod's ServiceAccount,
/// the audience and lifetime from the source, bound to the pod by name and uid.
public struct ServiceAccountTokenRequest: Sendable, Hashable {
    public var namespace: String
    public var serviceAccount: String
    /// Empty: the API server's default audiences.
    public var audiences: [String]
    public var expirationSeconds: Int64
    public var podName: String
    public var podUID: String

    /// The API default of a projection's `expirationSeconds` (1 h).
    public static let defaultExpirationSeconds: Int64 = 3600

    public init(namespace: String, serviceAccount: String, audiences: [String], expirationSeconds: Int64,
                podName: String, podUID: String) {
        self.namespace = namespace
        self.serviceAccount = serviceAccount
        self.audiences = audiences
        self.expirationSeconds = expirationSeconds
        self.podName = podName
        self.podUID = podUID
    }

    /// The request for `source` (a projection's `serviceAccountToken`) of `pod`.
    public init(source: JSON, pod: JSON) {
        let audience = source["audience"].stringValue ?? ""
        let serviceAccount = pod["spec"]["serviceAccountName"].stringValue ?? pod["spec"]["serviceAccount"].stringValue ?? ""
        self.init(namespace: pod["metadata"]["namespace"].stringValue ?? "default",
                  serviceAccount: serviceAccount.isEmpty ? "default" : serviceAccount,
                  audiences: audience.isEmpty ? [] : [audience],
                  expirationSeconds: source["expirationSeconds"].intValue ?? Self.defaultExpirationSeconds,
                  podName: pod["metadata"]["name"].stringValue ?? "", podUID: pod["metadata"]["uid"].stringValue ?? "")
    }

    /// Every token projection of the pod's projected volumes, in volume order, without repeats.
    public static func all(pod: JSON) -> [ServiceAccountTokenRequest] {
        var result: [ServiceAccountTokenRequest] = []
        for volume in pod["spec"]["volumes"].arrayValue ?? [] {
            for source in volume["projected"]["sources"].arrayValue ?? [] where !source["serviceAccountToken"].isNull {
                let request = ServiceAccountTokenRequest(source: source["serviceAccountToken"], pod: pod)
                if !result.contains(request) { result.append(request) }
            }
        }
        return result
    }

    /// The `authentication.k8s.io/v1` TokenRequest body, named as the ServiceAccount (the client
    /// builds `serviceaccounts/<name>/token` from `metadata.name`).
    public var body: JSON {
        var spec: JSON = [
            "expirationSeconds": .int(expirationSeconds),
            "boundObjectRef": ["kind": "Pod", "apiVersion": "v1", "name": .string(podName), "uid": .string(podUID)],
        ]
        if !audiences.isEmpty { spec["audiences"] = .array(audiences.map(JSON.string)) }
        return [
            "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
            "metadata": ["name": .string(serviceAccount), "namespace": .string(namespace)],
            "spec": spec,
        ]
    }
}

/// A token the API server issued, with what the refresh decision needs.
public struct ServiceAccountToken: Sendable, Equatable {
    public var token: String
    public var issuedAt: Date
    public var expiration: Date

    /// Upstream's token manager refreshes any token older than this, however long it lives.
    public static let maximumAge: Duration = .seconds(24 * 3600)

    public init(token: String, issuedAt: Date, expiration: Date) {
        self.token = token
        self.issuedAt = issuedAt
        self.expiration = expiration
    }

    /// Reads a TokenRequest answer. The issue time is the expiration minus the lifetime the
    /// server granted (`spec.expirationSeconds` of the answer, else the one asked for), as
    /// upstream's token manager computes it; `now` when that would lie in the future.
    /// - Throws: `VolumeError` for an answer without a token or a readable expiration.
    public init(response: JSON, requested: ServiceAccountTokenRequest, now: Date) throws(VolumeError) {
        guard let token = response["status"]["token"].stringValue, !token.isEmpty else {
            throw VolumeError("TokenRequest answer for service account \"\(requested.serviceAccount)\" has no status.token")
        }
        let text = response["status"]["expirationTimestamp"].stringValue ?? ""
        guard let expiration = Timestamp.parse(text) else {
            throw VolumeError("TokenRequest answer for service account \"\(requested.serviceAccount)\" has no valid "
                + "status.expirationTimestamp (\"\(text)\")")
        }
        let lifetime = response["spec"]["expirationSeconds"].intValue ?? requested.expirationSeconds
        let issued = expiration.addingTimeInterval(-TimeInterval(lifetime))
        self.init(token: token, issuedAt: min(issued, now), expiration: expiration)
    }

    /// When the token is to be replaced: once 80% of its lifetime has passed, or at 24 h of age
    /// for long-lived ones, whichever comes first.
    public var refreshAt: Date {
        let lifetime = max(0, expiration.timeIntervalSince(issuedAt))
        let eighty = issuedAt.addingTimeInterval(lifetime * 0.8)
        let dayOld = issuedAt.addingTimeInterval(TimeInterval(Self.maximumAge.components.seconds))
        return min(eighty, dayOld)
    }

    /// Whether the token must be requested again at `now`.
    public func needsRefresh(now: Date) -> Bool { now >= refreshAt }
}

/// What the node has for one token projection when it writes a pod's projected volumes.
public enum ProjectedToken: Sendable, Equatable {
    case token(String)
    /// The request failed (the pod waits with a FailedMount event).
    case failed(String)
    /// The API server does not serve the TokenRequest API: the source is skipped, as before it
    /// existed, so pods still start against such a server.
    case unavailable
}
