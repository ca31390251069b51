import FoundationEssentials
import KubeAPI
import KubeHTTP
import NIOHTTP1

extension APIServer {
    /// Upstream's minimum token lifetime (`ValidateTokenRequest`).
    static let minimumTokenSeconds: Int64 = 600
    static let defaultTokenSeconds: Int64 = 3600

    /// Client certificates and static tokens first (synchronous, cached), then service-account JWTs.
    /// nil: anonymous (the caller answers 401).
    func authenticate(headers: [(String, String)], peer: PeerInfo) async -> UserInfo? {
        if let user = authenticator.authenticate(headers: headers, peer: peer) { return user }
        guard let tokens = serviceAccountTokens, let token = Authenticator.bearerToken(in: headers) else { return nil }
        switch await tokens.authenticate(token: token, store: store) {
        case .success(let user): return user
        case .failure(let why):
            if why != .notOurs { logger.debug("service-account token rejected", metadata: ["reason": "\(why)"]) }
            return nil
        }
    }

    /// `POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token`: a TokenRequest answered with a
    /// signed token (upstream's TokenREST). Nothing is stored.
    func tokenRequest(_ context: RequestContext, _ target: ResourceTarget) async throws -> Int {
        guard let tokens = serviceAccountTokens else {
            throw StatusError(code: 405, reason: "MethodNotAllowed",
                              message: "serviceaccounts/token is not served: the API server has no service-account signing key")
        }
        let name = try target.requireName()
        let options = try WriteOptions(context)
        let request = try Codec.decodeBody(context.body, contentType: context.contentType)
        let answer = try await createToken(request, tokens: tokens, namespace: target.namespace ?? "", name: name, dryRun: options.dryRun)
        try await context.send(json: answer, status: .created)
        return 201
    }

    /// The TokenRequest answer for `request` (validated, defaulted, with `status.token` and
    /// `status.expirationTimestamp`), or the upstream error.
    func createToken(_ request: JSON, tokens: ServiceAccountTokens, namespace: String, name: String, dryRun: Bool,
                     now: Date = Date()) async throws -> JSON {
        var request = request
        guard case .object = request else {
            throw StatusError.badRequest("the request body must be a JSON object, not \(request.typeName)")
        }
        let group = "authentication.k8s.io"
        if let apiVersion = request["apiVersion"].stringValue, !apiVersion.isEmpty, apiVersion != "\(group)/v1" {
            throw StatusError.badRequest("the API version in the data (\(apiVersion)) does not match the expected API version (\(group)/v1)")
        }
        if let kind = request["kind"].stringValue, !kind.isEmpty, kind != "TokenRequest" {
            throw StatusError.badRequest("the kind in the data (\(kind)) does not match the expected kind (TokenRequest)")
        }
        request["apiVersion"] = .string("\(group)/v1")
        request["kind"] = "TokenRequest"

        var causes: [StatusCause] = []
        if let given = request["metadata"]["name"].stringValue, !given.isEmpty, given != name {
            causes.append(StatusCause(reason: "FieldValueInvalid", message: "Invalid value: \"\(given)\": must match the service account name if specified",
                                      field: "metadata.name"))
        }
        if let given = request["metadata"]["namespace"].stringValue, !given.isEmpty, given != namespace {
            causes.append(StatusCause(reason: "FieldValueInvalid", message: "Invalid value: \"\(given)\": must match the service account namespace if specified",
                                      field: "metadata.namespace"))
        }
        let spec = request["spec"]
        let seconds = spec["expirationSeconds"].isNull ? Self.defaultTokenSeconds : spec["expirationSeconds"].intValue
        if let seconds {
            if seconds < Self.minimumTokenSeconds {
                causes.append(StatusCause(reason: "FieldValueInvalid", message: "Invalid value: \(seconds): may not specify a duration less than 10 minutes",
                                          field: "spec.expirationSeconds"))
            } else if seconds > 1 << 32 {
                causes.append(StatusCause(reason: "FieldValueInvalid", message: "Invalid value: \(seconds): may not specify a duration larger than 2^32 seconds",
                                          field: "spec.expirationSeconds"))
            }
        } else {
            causes.append(StatusCause(reason: "FieldValueInvalid", message: "Invalid value: \(spec["expirationSeconds"].jsonString): must be an integer",
                                      field: "spec.expirationSeconds"))
        }
        var audiences: [String] = []
        switch spec["audiences"] {
        case .null: break
        case .array(let items) where items.allSatisfy({ $0.stringValue != nil }): audiences = items.compactMap(\.stringValue)
        default:
            causes.append(StatusCause(reason: "FieldValueInvalid", message: "Invalid value: must be a list of strings", field: "spec.audiences"))
        }
        guard causes.isEmpty, let seconds else {
            throw StatusError.invalid(kind: "TokenRequest", group: group, name: name, causes: causes)
        }
        if audiences.isEmpty { audiences = tokens.apiAudiences }

        guard let account = await ServiceAccountTokens.lookup(store, ServiceAccountTokens.serviceAccountDef, namespace, name) else {
            throw StatusError.notFound("serviceaccounts", name: name)
        }
        let accountRef = ServiceAccountClaims.Reference(name: name, uid: account["metadata"]["uid"].stringValue ?? "")
        var podRef: ServiceAccountClaims.Reference?
        var secretRef: ServiceAccountClaims.Reference?
        let ref = spec["boundObjectRef"]
        if case .object = ref {
            (podRef, secretRef) = try await boundObject(ref, serviceAccount: name, namespace: namespace)
        }

        let claims = ServiceAccountClaims(issuer: tokens.issuer, audiences: audiences, now: Int64(now.timeIntervalSince1970), expirationSeconds: seconds,
                                          namespace: namespace, serviceAccount: accountRef, pod: podRef, secret: secretRef)
        // A dry run validates everything but issues no credential.
        let token = dryRun ? "" : try tokens.sign(claims)
        if request["metadata"]["name"].stringValue?.isEmpty ?? true { request["metadata"]["name"] = .string(name) }
        request["metadata"]["namespace"] = .string(namespace)
        request["spec"]["audiences"] = .array(audiences.map(JSON.string))
        request["spec"]["expirationSeconds"] = .int(seconds)
        request["status"] = [
            "token": .string(token),
            "expirationTimestamp": .string(Timestamp.format(Date(timeIntervalSince1970: TimeInterval(claims.expiry)))),
        ]
        return request
    }

    /// Resolves `spec.boundObjectRef` (a Pod or Secret in the namespace) as upstream: a missing
    /// object is 404, a uid that differs 409, a pod of another account or another kind 400.
    private func boundObject(_ ref: JSON, serviceAccount: String, namespace: String) async throws
        -> (pod: ServiceAccountClaims.Reference?, secret: ServiceAccountClaims.Reference?) {
        let apiVersion = ref["apiVersion"].stringValue ?? ""
        let kind = ref["kind"].stringValue ?? ""
        let (group, version) = apiVersion.contains("/")
            ? (String(apiVersion.split(separator: "/")[0]), String(apiVersion.split(separator: "/").last ?? ""))
            : ("", apiVersion)
        guard group.isEmpty, kind == "Pod" || kind == "Secret" else {
            throw StatusError.badRequest("cannot bind token to object of type \(group)/\(version), Kind=\(kind)")
        }
        guard let refName = ref["name"].stringValue, !refName.isEmpty else {
            throw StatusError.invalid(kind: "TokenRequest", group: "authentication.k8s.io", name: serviceAccount, causes: [
                StatusCause(reason: "FieldValueRequired", message: "Required value", field: "spec.boundObjectRef.name"),
            ])
        }
        let def = kind == "Pod" ? ServiceAccountTokens.podDef : ServiceAccountTokens.secretDef
        guard let object = await ServiceAccountTokens.lookup(store, def, namespace, refName) else {
            throw StatusError.notFound(def.plural, name: refName)
        }
        if kind == "Pod" {
            let podAccount = object["spec"]["serviceAccountName"].stringValue ?? ""
            if podAccount != serviceAccount {
                throw StatusError.badRequest("cannot bind token for serviceaccount \"\(serviceAccount)\" to pod running with serviceaccount \"\(podAccount)\"")
            }
        }
        let uid = object["metadata"]["uid"].stringValue ?? ""
        if let wanted = ref["uid"].stringValue, !wanted.isEmpty, wanted != uid {
            throw StatusError.conflict(kind, name: refName, reason:
                "the UID in the bound object reference (\(wanted)) does not match the UID in record. The object might have been deleted and then recreated")
        }
        let resolved = ServiceAccountClaims.Reference(name: refName, uid: uid)
        return kind == "Pod" ? (resolved, nil) : (nil, resolved)
    }
}
