import KubeAPI

/// Which of a container's probes (`livenessProbe`, `readinessProbe`, `startupProbe`).
public enum ProbeKind: String, Sendable, Hashable, CaseIterable {
    case liveness, readiness, startup

    /// The field of the container spec that holds it.
    public var field: String { rawValue + "Probe" }
    /// As upstream's events name it: `Liveness probe failed: ...`.
    public var title: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
}

/// An HTTP GET a probe or hook sends; the port is already resolved to a number.
public struct HTTPGetAction: Sendable, Equatable {
    /// `HTTP` or `HTTPS` (HTTPS is not verified, as upstream).
    public var scheme: String
    /// Empty: the pod's IP.
    public var host: String
    public var port: Int
    public var path: String
    /// `httpHeaders` in order; a `Host` entry replaces the request's host header.
    public var headers: [(name: String, value: String)]

    public init(scheme: String = "HTTP", host: String = "", port: Int, path: String = "/", headers: [(name: String, value: String)] = []) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
        self.headers = headers
    }

    public static func == (a: HTTPGetAction, b: HTTPGetAction) -> Bool {
        a.scheme == b.scheme && a.host == b.host && a.port == b.port && a.path == b.path
            && a.headers.map { [$0.name, $0.value] } == b.headers.map { [$0.name, $0.value] }
    }

    /// The URL asked for, with `podIP` standing in for an empty host.
    public func url(podIP: String) -> String {
        let target = host.isEmpty ? podIP : host
        let hostPart = target.contains(":") && !target.hasPrefix("[") ? "[\(target)]" : target
        let pathPart = path.isEmpty ? "/" : (path.hasPrefix("/") ? path : "/" + path)
        return "\(scheme.lowercased())://\(hostPart):\(port)\(pathPart)"
    }
}

/// What a probe or lifecycle hook does.
public enum ProbeHandler: Sendable, Equatable {
    case exec(command: [String])
    case httpGet(HTTPGetAction)
    /// Empty host: the pod's IP.
    case tcpSocket(host: String, port: Int)
    case grpc(port: Int, service: String)
    /// Lifecycle hooks only (`lifecycle.preStop.sleep`).
    case sleep(seconds: Int64)
}

/// A probe or hook spec the agent cannot run as written.
public struct ProbeSpecError: Error, Equatable, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One probe of a container, with upstream's defaults filled in.
public struct ProbeSpec: Sendable, Equatable {
    public var handler: ProbeHandler
    public var initialDelaySeconds: Int64 = 0
    public var periodSeconds: Int64 = 10
    public var timeoutSeconds: Int64 = 1
    public var successThreshold: Int64 = 1
    public var failureThreshold: Int64 = 3
    /// Overrides the pod's grace period when this probe's failure kills the container.
    public var terminationGracePeriodSeconds: Int64?

    public init(handler: ProbeHandler) { self.handler = handler }

    /// Parses `container[kind.field]`; nil when the container has no such probe.
    public static func parse(_ kind: ProbeKind, container: JSON) throws(ProbeSpecError) -> ProbeSpec? {
        let probe = container[kind.field]
        if probe.isNull { return nil }
        guard probe.objectValue != nil else { throw ProbeSpecError("\(kind.field) must be an object") }
        let handler = try parseHandler(probe, container: container, allowed: ["exec", "httpGet", "tcpSocket", "grpc"], what: kind.field)
        var spec = ProbeSpec(handler: handler)
        func number(_ field: String, default value: Int64, minimum: Int64) throws(ProbeSpecError) -> Int64 {
            let raw = probe[field]
            if raw.isNull { return value }
            guard let n = raw.intValue else { throw ProbeSpecError("\(kind.field).\(field) must be an integer") }
            guard n >= minimum else { throw ProbeSpecError("\(kind.field).\(field) must be at least \(minimum), not \(n)") }
            // 0 means "the default" for the fields whose minimum is 1, as the API server defaults them.
            return n == 0 && minimum == 1 ? value : n
        }
        spec.initialDelaySeconds = try number("initialDelaySeconds", default: 0, minimum: 0)
        spec.periodSeconds = try number("periodSeconds", default: 10, minimum: 1)
        spec.timeoutSeconds = try number("timeoutSeconds", default: 1, minimum: 1)
        spec.successThreshold = try number("successThreshold", default: 1, minimum: 1)
        spec.failureThreshold = try number("failureThreshold", default: 3, minimum: 1)
        if kind != .readiness, spec.successThreshold != 1 {
            throw ProbeSpecError("\(kind.field).successThreshold must be 1")
        }
        if !probe["terminationGracePeriodSeconds"].isNull {
            guard kind != .readiness else { throw ProbeSpecError("readinessProbe.terminationGracePeriodSeconds is not allowed") }
            guard let grace = probe["terminationGracePeriodSeconds"].intValue, grace >= 1 else {
                throw ProbeSpecError("\(kind.field).terminationGracePeriodSeconds must be a positive integer")
            }
            spec.terminationGracePeriodSeconds = grace
        }
        return spec
    }

    /// Parses `container.lifecycle.<hook>` (`postStart` or `preStop`); nil when not set.
    public static func lifecycleHandler(_ hook: String, container: JSON) throws(ProbeSpecError) -> ProbeHandler? {
        let spec = container["lifecycle"][hook]
        if spec.isNull { return nil }
        return try parseHandler(spec, container: container, allowed: ["exec", "httpGet", "tcpSocket", "sleep"], what: "lifecycle.\(hook)")
    }

    /// The one handler a probe or hook names (exactly one of `allowed`).
    static func parseHandler(_ spec: JSON, container: JSON, allowed: [String], what: String) throws(ProbeSpecError) -> ProbeHandler {
        let present = allowed.filter { !spec[$0].isNull }
        guard present.count == 1, let field = present.first else {
            throw ProbeSpecError(present.isEmpty ? "\(what) must specify one of \(allowed.joined(separator: ", "))"
                                 : "\(what) may specify only one handler, not \(present.joined(separator: " and "))")
        }
        let body = spec[field]
        switch field {
        case "exec":
            let command = (body["command"].arrayValue ?? []).compactMap(\.stringValue)
            guard !command.isEmpty else { throw ProbeSpecError("\(what).exec.command must not be empty") }
            return .exec(command: command)
        case "httpGet":
            let scheme = (body["scheme"].stringValue ?? "HTTP").uppercased()
            guard scheme == "HTTP" || scheme == "HTTPS" else { throw ProbeSpecError("\(what).httpGet.scheme must be HTTP or HTTPS, not \(scheme)") }
            var headers: [(name: String, value: String)] = []
            for header in body["httpHeaders"].arrayValue ?? [] {
                guard let name = header["name"].stringValue, !name.isEmpty else { throw ProbeSpecError("\(what).httpGet.httpHeaders: a header has no name") }
                headers.append((name, header["value"].stringValue ?? ""))
            }
            return .httpGet(HTTPGetAction(scheme: scheme, host: body["host"].stringValue ?? "",
                                          port: try resolvePort(body["port"], container: container, what: "\(what).httpGet.port"),
                                          path: body["path"].stringValue ?? "/", headers: headers))
        case "tcpSocket":
            return .tcpSocket(host: body["host"].stringValue ?? "",
                              port: try resolvePort(body["port"], container: container, what: "\(what).tcpSocket.port"))
        case "grpc":
            guard let port = body["port"].intValue, (1...65535).contains(port) else {
                throw ProbeSpecError("\(what).grpc.port must be a number between 1 and 65535")
            }
            return .grpc(port: Int(port), service: body["service"].stringValue ?? "")
        default:  // sleep
            guard let seconds = body["seconds"].intValue, seconds >= 0 else { throw ProbeSpecError("\(what).sleep.seconds must be a non-negative integer") }
            return .sleep(seconds: seconds)
        }
    }

    /// An IntOrString port: a number, or the name of one of the container's `ports`
    /// (upstream's `ResolveContainerPort`).
    public static func resolvePort(_ port: JSON, container: JSON, what: String = "port") throws(ProbeSpecError) -> Int {
        if let number = port.intValue {
            guard (1...65535).contains(number) else { throw ProbeSpecError("\(what): invalid port number \(number)") }
            return Int(number)
        }
        guard let name = port.stringValue, !name.isEmpty else { throw ProbeSpecError("\(what) must be a port number or name") }
        for entry in container["ports"].arrayValue ?? [] where entry["name"].stringValue == name {
            guard let number = entry["containerPort"].intValue, (1...65535).contains(number) else {
                throw ProbeSpecError("\(what): port \"\(name)\" has no valid containerPort")
            }
            return Int(number)
        }
        if let number = Int(name) {
            // Upstream's last resort: a number written as a string.
            guard (1...65535).contains(number) else { throw ProbeSpecError("\(what): invalid port number \(number)") }
            return number
        }
        throw ProbeSpecError("\(what): couldn't find port \"\(name)\" in container \"\(container["name"].stringValue ?? "")\"")
    }
}
