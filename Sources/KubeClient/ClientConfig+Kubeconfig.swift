import SwiftletSystem
import SwiftletYAML

extension ClientConfig {
    /// Reads a kubeconfig: the current context names a cluster (server, CA) and a user (client
    /// certificate and key, or a token). Credentials may be embedded (`*-data`, base64) or files
    /// (relative paths are resolved against the kubeconfig's directory, as kubectl does).
    /// Errors name the file and the missing or bad key.
    public static func load(kubeconfigPath path: String, context: String? = nil,
                            userAgent: String = "swiftlet-client") throws(KubeClientError) -> ClientConfig {
        let bytes: [UInt8]
        do { bytes = try WholeFile.read(path) } catch { throw .kubeconfig(path, "cannot read the file: \(error)") }
        return try parse(kubeconfig: String(decoding: bytes, as: UTF8.self), path: path, context: context,
                         userAgent: userAgent)
    }

    /// Parses kubeconfig text; `path` is used in errors and to resolve relative file references.
    public static func parse(kubeconfig text: String, path: String, context: String? = nil,
                             userAgent: String = "swiftlet-client") throws(KubeClientError) -> ClientConfig {
        let root: YAMLNode
        do {
            guard let node = try YAML.compose(text) else { throw KubeClientError.kubeconfig(path, "the file is empty") }
            root = node
        } catch let error as KubeClientError {
            throw error
        } catch {
            throw .kubeconfig(path, "not valid YAML: \(error)")
        }
        guard root.mapping != nil else { throw .kubeconfig(path, "expected a mapping at the top level") }
        let reader = KubeconfigReader(path: path, root: root)

        let contextName: String
        if let context { contextName = context } else { contextName = try reader.string(root, "current-context", at: "") }
        let contextEntry = try reader.named("contexts", contextName, field: "context")
        let clusterName = try reader.string(contextEntry, "cluster", at: "contexts[\(contextName)].context")
        let userName = try reader.string(contextEntry, "user", at: "contexts[\(contextName)].context")
        let cluster = try reader.named("clusters", clusterName, field: "cluster")
        let user = try reader.named("users", userName, field: "user")

        let clusterAt = "clusters[\(clusterName)].cluster"
        let serverURL = try reader.string(cluster, "server", at: clusterAt)
        let server: ServerAddress
        do { server = try ServerAddress(url: serverURL) } catch { throw .kubeconfig(path, "\(clusterAt).server: \(error)") }

        var config = ClientConfig(server: server, userAgent: userAgent)
        config.certificateAuthorityPEM = try reader.credential(cluster, "certificate-authority", at: clusterAt)
        if let name = cluster["tls-server-name"]?.string, !name.isEmpty { config.tlsServerName = name }
        let userAt = "users[\(userName)].user"
        config.clientCertificatePEM = try reader.credential(user, "client-certificate", at: userAt)
        config.clientKeyPEM = try reader.credential(user, "client-key", at: userAt)
        if let token = user["token"]?.string, !token.isEmpty { config.bearerToken = token }
        if let tokenFile = user["tokenFile"]?.string {
            let bytes = try reader.file(tokenFile, key: "\(userAt).tokenFile")
            config.bearerToken = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        }
        switch (config.clientCertificatePEM != nil, config.clientKeyPEM != nil) {
        case (true, false): throw .kubeconfig(path, "\(userAt) has a client certificate but no client-key or client-key-data")
        case (false, true): throw .kubeconfig(path, "\(userAt) has a client key but no client-certificate or client-certificate-data")
        case (false, false) where config.bearerToken == nil:
            throw .kubeconfig(path, "\(userAt) has no credentials (client-certificate-data/client-key-data or token)")
        default: break
        }
        return config
    }
}

/// Navigation of the kubeconfig YAML with errors that say where.
struct KubeconfigReader {
    let path: String
    let root: YAMLNode

    func string(_ node: YAMLNode, _ key: String, at location: String) throws(KubeClientError) -> String {
        guard let value = node[key]?.string, !value.isEmpty else {
            throw .kubeconfig(path, "missing key \(location.isEmpty ? key : "\(location).\(key)")")
        }
        return value
    }

    /// The `field` mapping of the entry named `name` in the top-level list `list`.
    func named(_ list: String, _ name: String, field: String) throws(KubeClientError) -> YAMLNode {
        guard let entries = root[list]?.sequence else { throw .kubeconfig(path, "missing key \(list)") }
        for entry in entries where entry["name"]?.string == name {
            guard let value = entry[field], value.mapping != nil else {
                throw .kubeconfig(path, "missing key \(list)[\(name)].\(field)")
            }
            return value
        }
        throw .kubeconfig(path, "\(list) has no entry named \"\(name)\"")
    }

    /// `<key>-data` (base64) wins over `<key>` (a file path); nil when neither is present.
    func credential(_ node: YAMLNode, _ key: String, at location: String) throws(KubeClientError) -> [UInt8]? {
        if let data = node["\(key)-data"]?.string, !data.isEmpty {
            guard let decoded = Base64.decode(data) else {
                throw .kubeconfig(path, "\(location).\(key)-data is not valid base64")
            }
            return decoded
        }
        if let file = node[key]?.string, !file.isEmpty {
            return try self.file(file, key: "\(location).\(key)")
        }
        return nil
    }

    func file(_ name: String, key: String) throws(KubeClientError) -> [UInt8] {
        let resolved = name.hasPrefix("/") ? name : directory + name
        do { return try WholeFile.read(resolved) } catch {
            throw .kubeconfig(path, "\(key): cannot read \(resolved): \(error)")
        }
    }

    private var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
