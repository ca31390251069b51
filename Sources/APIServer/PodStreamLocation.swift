import KubeAPI
import KubeHTTP

/// Where on its kubelet an exec, attach or port-forward of a pod goes (upstream
/// `pkg/registry/core/pod/strategy.go`: `ExecLocation`, `AttachLocation`, `PortForwardLocation`),
/// computed from the stored pod and the request's query. Pure, so every refusal is testable.
struct PodStreamLocation: Equatable {
    var nodeName: String
    /// `/exec/<ns>/<pod>/<container>?command=…&input=1&output=1&error=1&tty=1`, etc.
    var kubeletURI: String

    /// The subresources served by `connect`.
    static let subresources: Set<String> = ["exec", "attach", "portforward"]

    init(pod: JSON, subresource: String, query: [(name: String, value: String)]) throws(StatusError) {
        let name = pod["metadata"]["name"].stringValue ?? ""
        let namespace = pod["metadata"]["namespace"].stringValue ?? ""
        func flag(_ key: String) -> Bool {
            // Go's strconv.ParseBool spellings, as the query decoder of PodExecOptions takes them.
            guard let value = query.last(where: { $0.name == key })?.value else { return false }
            return ["1", "t", "T", "true", "TRUE", "True"].contains(value)
        }
        var params: [(String, String)] = []
        let path: String
        switch subresource {
        case "exec", "attach":
            let phase = pod["status"]["phase"].stringValue ?? ""
            if phase == "Succeeded" || phase == "Failed" {
                throw StatusError.badRequest("cannot \(subresource) into a container in a completed pod; current phase is \(phase)")
            }
            let container = try Self.container(pod: pod, requested: query.last { $0.name == "container" }?.value ?? "")
            let (stdin, stdout, stderr, tty) = (flag("stdin"), flag("stdout"), flag("stderr"), flag("tty"))
            guard stdin || stdout || stderr else {
                throw StatusError.badRequest("you must specify at least 1 of stdin, stdout, stderr")
            }
            if subresource == "exec" {
                let command = query.filter { $0.name == "command" }.map(\.value)
                guard !command.isEmpty else { throw StatusError.badRequest("you must specify at least one command for the container") }
                params += command.map { ("command", $0) }
            }
            if stdin { params.append(("input", "1")) }
            if stdout { params.append(("output", "1")) }
            if stderr { params.append(("error", "1")) }
            if tty { params.append(("tty", "1")) }
            path = "/\(subresource)/\(Self.escape(namespace))/\(Self.escape(name))/\(Self.escape(container))"
        case "portforward":
            for item in query where item.name == "ports" {
                for text in item.value.split(separator: ",") {
                    guard let port = Int(text), (1...65535).contains(port) else {
                        throw StatusError.badRequest("invalid port \"\(text)\": must be between 1 and 65535")
                    }
                    params.append(("port", String(port)))
                }
            }
            path = "/portForward/\(Self.escape(namespace))/\(Self.escape(name))"
        default:
            throw StatusError.badRequest("unknown streaming subresource \(subresource)")
        }
        guard let node = pod["spec"]["nodeName"].stringValue, !node.isEmpty else {
            throw StatusError.badRequest("pod \(name) does not have a host assigned")
        }
        nodeName = node
        kubeletURI = path + (params.isEmpty ? "" : "?" + params.map { "\($0.0)=\(Self.escape($0.1))" }.joined(separator: "&"))
    }

    /// The container addressed: the requested one when the pod has it (regular, init or
    /// ephemeral), else the only one; upstream's messages otherwise.
    static func container(pod: JSON, requested: String) throws(StatusError) -> String {
        let name = pod["metadata"]["name"].stringValue ?? ""
        func names(_ key: String) -> [String] { (pod["spec"][key].arrayValue ?? []).compactMap { $0["name"].stringValue } }
        let containers = names("containers")
        let inits = names("initContainers")
        guard requested.isEmpty else {
            guard (containers + inits + names("ephemeralContainers")).contains(requested) else {
                throw StatusError.badRequest("container \(requested) is not valid for pod \(name)")
            }
            return requested
        }
        switch containers.count {
        case 1: return containers[0]
        case 0: throw StatusError.badRequest("a container name must be specified for pod \(name)")
        default:
            var message = "a container name must be specified for pod \(name), choose one of: [\(containers.joined(separator: " "))]"
            if !inits.isEmpty { message += " or one of the init containers: [\(inits.joined(separator: " "))]" }
            throw StatusError.badRequest(message)
        }
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func escape(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
