import FoundationEssentials
import KubeAPI
import NIOHTTP1
import SwiftletCore

extension APIServer {
    /// `/healthz`, `/livez`, `/readyz` (and their per-check paths); nil for other paths.
    func serveHealth(_ context: inout RequestContext) async throws -> Int? {
        let path = context.info.path
        let endpoints = ["/healthz", "/livez", "/readyz"]
        guard let endpoint = endpoints.first(where: { path == $0 || path.hasPrefix($0 + "/") }) else { return nil }
        guard context.request.method == .GET || context.request.method == .HEAD else {
            throw StatusError.methodNotSupported(path, verb: context.request.method.rawValue)
        }
        var checks: [(name: String, ok: Bool, reason: String)] = [("ping", true, "")]
        checks.append(("log", true, ""))
        let storeOK = await datastoreHealthy()
        checks.append(("etcd", storeOK, storeOK ? "" : "the datastore is not answering"))
        if endpoint == "/readyz" {
            let ready = bootstrapped.isSet
            checks.append(("poststarthook/bootstrap-objects", ready, ready ? "" : "not finished"))
            checks.append(("shutdown", true, ""))
        }
        let excluded = Set(context.query.values("exclude"))
        checks.removeAll { excluded.contains($0.name) }
        let sub = path.dropFirst(endpoint.count).drop { $0 == "/" }
        if !sub.isEmpty {
            guard let check = checks.first(where: { $0.name == sub }) else {
                try await context.sendText("404 page not found\n", status: .notFound)
                return 404
            }
            try await context.sendText(check.ok ? "ok" : "internal server error: \(check.reason)\n",
                                       status: check.ok ? .ok : .internalServerError)
            return check.ok ? 200 : 500
        }
        let healthy = checks.allSatisfy(\.ok)
        let name = String(endpoint.dropFirst())
        if context.query.value("verbose") != nil || !healthy {
            var text = ""
            for check in checks {
                text += check.ok ? "[+]\(check.name) ok\n" : "[-]\(check.name) failed: reason withheld\n"
            }
            text += healthy ? "\(name) check passed\n" : "\(name) check failed\n"
            try await context.sendText(text, status: healthy ? .ok : .internalServerError)
        } else {
            try await context.sendText("ok")
        }
        return healthy ? 200 : 500
    }

    func datastoreHealthy() async -> Bool {
        (try? await store.currentRevision()) != nil
    }

    /// Version, discovery, OpenAPI and metrics.
    func serveNonResource(_ context: inout RequestContext) async throws -> Int {
        let info = context.info
        guard context.request.method == .GET || context.request.method == .HEAD else {
            throw StatusError(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource")
        }
        let parts = info.parts
        let accept = context.request.headers.first(name: "Accept") ?? ""
        switch parts.first {
        case "version" where parts.count == 1:
            try await context.send(json: APIServer.versionInfo)
        case "api" where parts.count == 1:
            if let version = Discovery.negotiateAggregated(accept: accept) {
                try await sendDiscovery(context, Discovery.aggregatedCore(version: version), version: version)
            } else {
                try await context.send(json: Discovery.apiVersions(serverAddress: "\(config.advertiseAddress):\(config.securePort)"))
            }
        case "apis" where parts.count == 1:
            if let version = Discovery.negotiateAggregated(accept: accept) {
                try await sendDiscovery(context, Discovery.aggregatedGroups(version: version), version: version)
            } else {
                try await context.send(json: Discovery.apiGroupList())
            }
        case "api" where parts.count == 2:
            guard let list = Discovery.apiResourceList(group: "", version: parts[1]) else { return try await notFound(context) }
            try await context.send(json: list)
        case "apis" where parts.count == 2:
            guard let group = Discovery.apiGroup(named: parts[1]) else { return try await notFound(context) }
            try await context.send(json: group)
        case "apis" where parts.count == 3:
            guard let list = Discovery.apiResourceList(group: parts[1], version: parts[2]) else { return try await notFound(context) }
            try await context.send(json: list)
        case "openapi" where parts.count == 2 && parts[1] == "v2":
            // kubectl downloads the protobuf form; browsers and scripts get JSON, as upstream serves.
            if OpenAPIV2.acceptsProtobuf(accept) {
                try await context.send(bytes: openAPI.v2Protobuf(), contentType: OpenAPIV2.protobufContentType)
            } else {
                try await context.send(bytes: openAPI.v2JSON())
            }
        case "openapi" where parts.count == 2 && parts[1] == "v3":
            try await context.send(bytes: openAPI.root())
        case "openapi" where parts.count >= 4 && parts[1] == "v3":
            let rest = parts.dropFirst(2)
            let groupVersion = rest.first == "api" ? rest.dropFirst().joined(separator: "/") : rest.dropFirst().joined(separator: "/")
            guard let doc = openAPI.document(groupVersion: groupVersion) else { return try await notFound(context) }
            try await context.send(bytes: doc)
        case "metrics" where parts.count == 1:
            try await context.send(bytes: metrics.text(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        case ".well-known" where info.path == ServiceAccountTokens.openIDConfigurationPath:
            guard let tokens = serviceAccountTokens else { return try await notFound(context) }
            try await context.send(json: tokens.openIDConfiguration)
        case "openid" where info.path == ServiceAccountTokens.jwksPath:
            guard let tokens = serviceAccountTokens else { return try await notFound(context) }
            try await context.send(bytes: tokens.jwks.serialized(), contentType: "application/jwk-set+json")
        default:
            return try await notFound(context)
        }
        return 200
    }

    private func sendDiscovery(_ context: RequestContext, _ json: JSON, version: String) async throws {
        try await context.send(bytes: json.serialized(), contentType: Discovery.aggregatedContentType(version: version))
    }

    private func notFound(_ context: RequestContext) async throws -> Int {
        try await context.send(error: StatusError(code: 404, reason: "NotFound", message: "the server could not find the requested resource"))
        return 404
    }

    static let versionInfo: JSON = [
        "major": .string(SwiftletVersion.kubernetesMajor),
        "minor": .string(SwiftletVersion.kubernetesMinor),
        "gitVersion": .string(SwiftletVersion.kubernetesGitVersion),
        "gitCommit": .string("swiftlet-\(SwiftletVersion.current)"),
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "swift6",
        "compiler": "swiftc",
        "platform": .string(APIServer.platform),
    ]

    static var platform: String {
        #if arch(arm64)
        return "linux/arm64"
        #elseif arch(arm)
        return "linux/arm"
        #else
        return "linux/amd64"
        #endif
    }
}
