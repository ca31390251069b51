import FoundationEssentials
import KubeAPI
import KubePKI
import KubeStore
import Synchronization

/// What a service-account token says, as upstream's `pkg/serviceaccount` claims: the registered
/// claims plus the private `kubernetes.io` claim naming the account and the bound object.
struct ServiceAccountClaims: Sendable, Equatable {
    struct Reference: Sendable, Equatable {
        var name: String
        var uid: String
    }

    var issuer: String
    var subject: String
    var audiences: [String]
    var expiry: Int64
    var issuedAt: Int64
    var notBefore: Int64
    var id: String
    var namespace: String
    var serviceAccount: Reference
    var pod: Reference?
    var secret: Reference?

    var json: JSON {
        var kubernetes: JSONObject = [
            "namespace": .string(namespace),
            "serviceaccount": ["name": .string(serviceAccount.name), "uid": .string(serviceAccount.uid)],
        ]
        if let pod { kubernetes["pod"] = ["name": .string(pod.name), "uid": .string(pod.uid)] }
        if let secret { kubernetes["secret"] = ["name": .string(secret.name), "uid": .string(secret.uid)] }
        return [
            "aud": .array(audiences.map(JSON.string)), "exp": .int(expiry), "iat": .int(issuedAt),
            "iss": .string(issuer), "jti": .string(id), "kubernetes.io": .object(kubernetes),
            "nbf": .int(notBefore), "sub": .string(subject),
        ]
    }

    /// nil unless every claim a Kubernetes service-account token carries is present and well typed.
    init?(json: JSON) {
        let k8s = json["kubernetes.io"]
        guard let issuer = json["iss"].stringValue, let subject = json["sub"].stringValue,
              let expiry = json["exp"].intValue, let namespace = k8s["namespace"].stringValue,
              let saName = k8s["serviceaccount"]["name"].stringValue, let saUID = k8s["serviceaccount"]["uid"].stringValue
        else { return nil }
        // `aud` is a string or an array of strings (RFC 7519 §4.1.3).
        switch json["aud"] {
        case .string(let one): audiences = [one]
        case .array(let many): audiences = many.compactMap(\.stringValue)
        default: audiences = []
        }
        self.issuer = issuer
        self.subject = subject
        self.expiry = expiry
        issuedAt = json["iat"].intValue ?? 0
        notBefore = json["nbf"].intValue ?? 0
        id = json["jti"].stringValue ?? ""
        self.namespace = namespace
        serviceAccount = Reference(name: saName, uid: saUID)
        pod = k8s["pod"]["name"].stringValue.map { Reference(name: $0, uid: k8s["pod"]["uid"].stringValue ?? "") }
        secret = k8s["secret"]["name"].stringValue.map { Reference(name: $0, uid: k8s["secret"]["uid"].stringValue ?? "") }
    }

    init(issuer: String, audiences: [String], now: Int64, expirationSeconds: Int64, namespace: String,
         serviceAccount: Reference, pod: Reference?, secret: Reference?) {
        self.issuer = issuer
        self.subject = ServiceAccountTokens.userName(namespace: namespace, name: serviceAccount.name)
        self.audiences = audiences
        self.issuedAt = now
        self.notBefore = now
        self.expiry = now + expirationSeconds
        self.id = Objects.newUID()
        self.namespace = namespace
        self.serviceAccount = serviceAccount
        self.pod = pod
        self.secret = secret
    }
}

/// Issues and authenticates service-account tokens (upstream's JWT token generator and
/// authenticator with the legacy-free "bound token" validator).
final class ServiceAccountTokens: Sendable {
    let signingKey: ServiceAccountSigningKey
    /// The `iss` written and the only one accepted.
    let issuer: String
    /// Audiences a token must name one of to authenticate to this server (upstream's
    /// `--api-audiences`, which defaults to the issuer).
    let apiAudiences: [String]
    /// Clock skew tolerated on exp/nbf/iat, as go-jose's default leeway.
    static let leeway: Int64 = 60
    /// A bound pod or secret being deleted keeps its tokens valid this long, as upstream.
    static let deletionGrace: TimeInterval = 60
    /// Signature checks of recently seen tokens (ECDSA verification dominates a small request).
    /// Only the signature and the immutable claims are cached: the account and bound object are
    /// looked up on every request so a deletion takes effect at once.
    private let verified = Mutex<[String: ServiceAccountClaims]>([:])
    private static let cacheCapacity = 1024

    init(signingKey: ServiceAccountSigningKey, issuer: String, apiAudiences: [String]? = nil) {
        self.signingKey = signingKey
        self.issuer = issuer
        self.apiAudiences = apiAudiences ?? [issuer]
    }

    static func userName(namespace: String, name: String) -> String { "system:serviceaccount:\(namespace):\(name)" }

    /// Signs `claims` into a compact JWS.
    func sign(_ claims: ServiceAccountClaims) throws -> String {
        try signingKey.sign(claims: claims.json.serialized())
    }

    /// Signature, issuer and shape: the claims of a token this server signed, else nil.
    func verifiedClaims(_ token: String) -> ServiceAccountClaims? {
        if let cached = verified.withLock({ $0[token] }) { return cached }
        // Cheap issuer check first, as upstream: a foreign JWT costs no signature verification.
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64URL.decode(parts[1]),
              let json = try? JSON(parsing: payload), json["iss"].stringValue == issuer,
              let signed = signingKey.verificationKey.verify(token),
              let headerJSON = try? JSON(parsing: signed.header), headerJSON["alg"].stringValue == "ES256",
              let claims = ServiceAccountClaims(json: json), claims.issuer == issuer
        else { return nil }
        verified.withLock { map in
            if map.count >= Self.cacheCapacity { map.removeAll(keepingCapacity: true) }
            map[token] = claims
        }
        return claims
    }

    /// Why a token is rejected (logged at debug; the client only sees 401).
    enum Rejection: Error, Equatable {
        case notOurs, expired, notYetValid, issuedInFuture, wrongAudience, invalidated(String)
    }

    /// The user a bearer token authenticates as: checks signature, issuer, times (with leeway),
    /// audience, and that the account and bound pod or secret still exist with the same uid.
    func authenticate(token: String, store: any KubeStore, now: Date = Date()) async -> Result<UserInfo, Rejection> {
        guard let claims = verifiedClaims(token) else { return .failure(.notOurs) }
        let seconds = Int64(now.timeIntervalSince1970)
        if seconds > claims.expiry + Self.leeway { return .failure(.expired) }
        if claims.notBefore > seconds + Self.leeway { return .failure(.notYetValid) }
        if claims.issuedAt > seconds + Self.leeway { return .failure(.issuedInFuture) }
        guard claims.audiences.contains(where: apiAudiences.contains) else { return .failure(.wrongAudience) }
        guard claims.subject == Self.userName(namespace: claims.namespace, name: claims.serviceAccount.name) else {
            return .failure(.notOurs)
        }
        let invalidIfDeletedBefore = now.addingTimeInterval(-Self.deletionGrace)
        guard let account = await Self.lookup(store, Self.serviceAccountDef, claims.namespace, claims.serviceAccount.name),
              account["metadata"]["uid"].stringValue == claims.serviceAccount.uid,
              !Self.deleted(account, before: invalidIfDeletedBefore)
        else { return .failure(.invalidated("service account")) }
        for (def, ref) in [(Self.podDef, claims.pod), (Self.secretDef, claims.secret)] {
            guard let ref else { continue }
            guard let object = await Self.lookup(store, def, claims.namespace, ref.name),
                  object["metadata"]["uid"].stringValue == ref.uid,
                  !Self.deleted(object, before: invalidIfDeletedBefore)
            else { return .failure(.invalidated(def.plural)) }
        }
        var extra: [String: [String]] = [:]
        if let pod = claims.pod {
            extra["authentication.kubernetes.io/pod-name"] = [pod.name]
            extra["authentication.kubernetes.io/pod-uid"] = [pod.uid]
        }
        if !claims.id.isEmpty { extra["authentication.kubernetes.io/credential-id"] = ["JTI=\(claims.id)"] }
        return .success(UserInfo(
            name: claims.subject,
            groups: ["system:serviceaccounts", "system:serviceaccounts:\(claims.namespace)", "system:authenticated"],
            uid: claims.serviceAccount.uid, extra: extra))
    }

    /// Upstream's ServiceAccountIssuerDiscovery: an OIDC provider document and the keys, so other
    /// parties can verify tokens without calling TokenReview.
    static let openIDConfigurationPath = "/.well-known/openid-configuration"
    static let jwksPath = "/openid/v1/jwks"

    var openIDConfiguration: JSON {
        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        return [
            "issuer": .string(issuer), "jwks_uri": .string(base + Self.jwksPath),
            "response_types_supported": ["id_token"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
        ]
    }

    var jwks: JSON {
        let jwk = signingKey.verificationKey.jwk
        var key: JSONObject = [:]
        for name in ["use", "kty", "kid", "crv", "alg", "x", "y"] { key[name] = .string(jwk[name] ?? "") }
        return ["keys": [.object(key)]]
    }

    static let serviceAccountDef = coreDefinition("serviceaccounts")
    static let podDef = coreDefinition("pods")
    static let secretDef = coreDefinition("secrets")

    private static func coreDefinition(_ plural: String) -> ResourceDefinition {
        guard let def = ResourceRegistry.resource(group: "", version: "v1", plural: plural) else {
            preconditionFailure("the registry lists core/v1 \(plural)")
        }
        return def
    }

    static func lookup(_ store: any KubeStore, _ def: ResourceDefinition, _ namespace: String, _ name: String) async -> JSON? {
        guard let kv = try? await store.get(StorageKeys.key(def, namespace: namespace, name: name)) else { return nil }
        return try? Objects.decode(kv)
    }

    /// Upstream keeps tokens of an object whose deletion began less than a minute ago, so a pod's
    /// containers can still talk to the API while they shut down.
    private static func deleted(_ object: JSON, before cutoff: Date) -> Bool {
        guard let text = object["metadata"]["deletionTimestamp"].stringValue, let when = Timestamp.parse(text) else { return false }
        return when < cutoff
    }
}
