import FoundationEssentials
import Glibc
import KubeAPI

/// Turns a pod's image pull secrets into a `DockerKeyring`, as upstream's
/// `MakeDockerKeyring` does for Secrets of type `kubernetes.io/dockerconfigjson`
/// (`.dockerconfigjson`: `{"auths": {"<registry>": {...}}}`) and `kubernetes.io/dockercfg`
/// (`.dockercfg`: the inner map). Each entry holds `auth` (base64 of `user:password`, which wins
/// over the separate fields), or `username` and `password`, and optionally `identitytoken` and
/// `registrytoken`.
///
/// Upstream fails the whole pull on a Secret it cannot parse; here a bad Secret or entry is left
/// out and reported in `problems` (the pull then goes on with what is left, maybe anonymously).
public enum PullSecrets {
    public static let dockerConfigJSONType = "kubernetes.io/dockerconfigjson"
    public static let dockerConfigJSONKey = ".dockerconfigjson"
    public static let dockercfgType = "kubernetes.io/dockercfg"
    public static let dockercfgKey = ".dockercfg"

    /// The keyring of `secrets` (Secret objects as the API serves them, `data` in base64) and a
    /// message for every Secret or entry that was ignored.
    public static func keyring(secrets: [JSON]) -> (keyring: DockerKeyring, problems: [String]) {
        var keyring = DockerKeyring()
        var problems: [String] = []
        for secret in secrets {
            let name = "\(secret["metadata"]["namespace"].stringValue ?? "")/\(secret["metadata"]["name"].stringValue ?? "")"
            let type = secret["type"].stringValue ?? "Opaque"
            let dataKey: String
            switch type {
            case dockerConfigJSONType: dataKey = dockerConfigJSONKey
            case dockercfgType: dataKey = dockercfgKey
            default:
                problems.append("image pull secret \(name) is of type \(type), not \(dockerConfigJSONType) or \(dockercfgType): ignored")
                continue
            }
            guard let encoded = secret["data"][dataKey].stringValue, !encoded.isEmpty else {
                problems.append("image pull secret \(name) has no \(dataKey) key: ignored")
                continue
            }
            guard let bytes = Data(base64Encoded: encoded), let document = try? JSON(parsing: String(decoding: bytes, as: UTF8.self)) else {
                problems.append("image pull secret \(name): \(dataKey) is not JSON: ignored")
                continue
            }
            let auths = type == dockerConfigJSONType ? document["auths"] : document
            guard let entries = auths.objectValue else {
                problems.append("image pull secret \(name): \(type == dockerConfigJSONType ? "\"auths\"" : dataKey) is not an object: ignored")
                continue
            }
            for (location, entry) in entries {
                do {
                    let credential = try credential(entry, source: "secret \(name)")
                    if !keyring.add(location: location, credential: credential) {
                        problems.append("image pull secret \(name): registry \"\(location)\" names no host: ignored")
                    }
                } catch let error as PullSecretError {
                    problems.append("image pull secret \(name), registry \"\(location)\": \(error.message): ignored")
                } catch {
                    problems.append("image pull secret \(name), registry \"\(location)\": \(error): ignored")
                }
            }
        }
        return (keyring, problems)
    }

    /// One docker config entry as a credential.
    static func credential(_ entry: JSON, source: String) throws -> RegistryCredential {
        guard entry.objectValue != nil else { throw PullSecretError("the entry is not an object") }
        func field(_ key: String) throws -> String {
            switch entry[key] {
            case .null: return ""
            case .string(let text): return text
            default: throw PullSecretError("\"\(key)\" is not a string")
            }
        }
        var credential = RegistryCredential(username: try field("username"), password: try field("password"),
                                            identityToken: try field("identitytoken"),
                                            registryToken: try field("registrytoken"), source: source)
        let auth = try field("auth")
        if !auth.isEmpty {
            guard let decoded = Data(base64Encoded: auth).map({ String(decoding: $0, as: UTF8.self) }) else {
                throw PullSecretError("\"auth\" is not base64")
            }
            guard let colon = decoded.firstIndex(of: ":") else {
                throw PullSecretError("\"auth\" must be base64 of username:password")
            }
            credential.username = String(decoded[..<colon])
            credential.password = String(decoded[decoded.index(after: colon)...])
        }
        if credential.username.isEmpty, credential.password.isEmpty, credential.identityToken.isEmpty, credential.registryToken.isEmpty {
            throw PullSecretError("no auth, username, password or token")
        }
        return credential
    }

    /// The names in `spec.imagePullSecrets`, in order, without duplicates.
    public static func names(pod: JSON) -> [String] {
        var seen = Set<String>()
        return (pod["spec"]["imagePullSecrets"].arrayValue ?? []).compactMap { reference in
            guard let name = reference["name"].stringValue, !name.isEmpty, seen.insert(name).inserted else { return nil }
            return name
        }
    }
}

struct PullSecretError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
