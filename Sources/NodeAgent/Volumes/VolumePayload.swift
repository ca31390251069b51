import FoundationEssentials
import Glibc
import KubeAPI

/// The ConfigMaps and Secrets of a pod's namespace the node knows, by name.
public struct PodObjects: Sendable, Equatable {
    public var configMaps: [String: JSON]
    public var secrets: [String: JSON]
    /// Service-account tokens of the pod's projections, fetched before its volumes are written.
    public var tokens: [ServiceAccountTokenRequest: ProjectedToken]

    public init(configMaps: [String: JSON] = [:], secrets: [String: JSON] = [:],
                tokens: [ServiceAccountTokenRequest: ProjectedToken] = [:]) {
        self.configMaps = configMaps
        self.secrets = secrets
        self.tokens = tokens
    }

    /// The key -> bytes of a ConfigMap (`data` and `binaryData`) or Secret (`data`, base64).
    static func entries(configMap: JSON) -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for (key, value) in configMap["data"].objectValue ?? [:] { result[key] = Array((value.stringValue ?? "").utf8) }
        for (key, value) in configMap["binaryData"].objectValue ?? [:] {
            result[key] = value.stringValue.flatMap { Data(base64Encoded: $0) }.map(Array.init) ?? []
        }
        return result
    }

    static func entries(secret: JSON) -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        // stringData is folded into data by the API server; read it too in case it was not.
        for (key, value) in secret["stringData"].objectValue ?? [:] { result[key] = Array((value.stringValue ?? "").utf8) }
        for (key, value) in secret["data"].objectValue ?? [:] {
            result[key] = value.stringValue.flatMap { Data(base64Encoded: $0) }.map(Array.init) ?? []
        }
        return result
    }
}

/// The files of ConfigMap, Secret, downward API and projected volumes (upstream `MakePayload`
/// of each plugin, `CollectData` of the downward API and projected ones). Pure.
public enum VolumePayload {
    public static let defaultMode: UInt16 = 0o644

    static func mode(_ value: JSON, _ fallback: UInt16) -> UInt16 {
        value.intValue.map { UInt16(truncatingIfNeeded: $0) & 0o7777 } ?? fallback
    }

    /// A `configMap` (or projected `configMap`) source.
    public static func configMap(_ source: JSON, objects: PodObjects, defaultMode: UInt16) throws(VolumeError) -> [String: VolumeFile] {
        let name = source["name"].stringValue ?? ""
        let optional = source["optional"].boolValue ?? false
        guard let object = objects.configMaps[name] else {
            if optional { return [:] }
            throw VolumeError("configmap \"\(name)\" not found")
        }
        return try keyed(PodObjects.entries(configMap: object), items: source["items"], optional: optional, defaultMode: defaultMode,
                         missing: { "configmap references non-existent config key: \($0)" })
    }

    /// A `secret` volume (`secretName`) or projected `secret` source (`name`).
    public static func secret(_ source: JSON, objects: PodObjects, defaultMode: UInt16) throws(VolumeError) -> [String: VolumeFile] {
        let name = source["secretName"].stringValue ?? source["name"].stringValue ?? ""
        let optional = source["optional"].boolValue ?? false
        guard let object = objects.secrets[name] else {
            if optional { return [:] }
            throw VolumeError("secret \"\(name)\" not found")
        }
        return try keyed(PodObjects.entries(secret: object), items: source["items"], optional: optional, defaultMode: defaultMode,
                         missing: { "references non-existent secret key: \($0)" })
    }

    static func keyed(_ entries: [String: [UInt8]], items: JSON, optional: Bool, defaultMode: UInt16,
                      missing: (String) -> String) throws(VolumeError) -> [String: VolumeFile] {
        var files: [String: VolumeFile] = [:]
        guard let items = items.arrayValue, !items.isEmpty else {
            for (key, data) in entries { files[key] = VolumeFile(data: data, mode: defaultMode) }
            return files
        }
        for item in items {
            let key = item["key"].stringValue ?? ""
            guard let data = entries[key] else {
                if optional { continue }
                throw VolumeError(missing(key))
            }
            files[item["path"].stringValue ?? key] = VolumeFile(data: data, mode: mode(item["mode"], defaultMode))
        }
        return files
    }

    /// A `downwardAPI` volume or projected source: `fieldRef` (name, namespace, uid, labels,
    /// annotations, one label or annotation) and `resourceFieldRef` items.
    public static func downwardAPI(_ source: JSON, pod: JSON, nodeAllocatable: [String: Quantity], defaultMode: UInt16) throws(VolumeError) -> [String: VolumeFile] {
        var files: [String: VolumeFile] = [:]
        for item in source["items"].arrayValue ?? [] {
            let path = item["path"].stringValue ?? ""
            let text: String
            if let field = item["fieldRef"]["fieldPath"].stringValue {
                switch field {
                case "metadata.labels": text = formatMap(pod["metadata"]["labels"])
                case "metadata.annotations": text = formatMap(pod["metadata"]["annotations"])
                default:
                    do {
                        text = try ContainerSpec.fieldValue(field, pod: pod, context: PodRuntimeContext(nodeName: "", hostIP: "", podIP: ""))
                    } catch {
                        throw VolumeError(error.description)
                    }
                }
            } else if !item["resourceFieldRef"].isNull {
                let ref = item["resourceFieldRef"]
                let containerName = ref["containerName"].stringValue ?? ""
                let containers = (pod["spec"]["containers"].arrayValue ?? []) + (pod["spec"]["initContainers"].arrayValue ?? [])
                guard let container = containers.first(where: { $0["name"].stringValue == containerName }) else {
                    throw VolumeError("cannot find container \"\(containerName)\" for resourceFieldRef of \(path)")
                }
                do {
                    text = try ResourceField.value(ref, container: container, nodeAllocatable: nodeAllocatable)
                } catch {
                    throw VolumeError(error.description)
                }
            } else {
                throw VolumeError("downwardAPI item \(path) has neither fieldRef nor resourceFieldRef")
            }
            files[path] = VolumeFile(text, mode: mode(item["mode"], defaultMode))
        }
        return files
    }

    /// Labels or annotations as upstream writes them: `key="value"` lines sorted by key, values
    /// quoted like Go's `%q`, no newline after the last.
    public static func formatMap(_ map: JSON) -> String {
        (map.objectValue ?? [:]).sorted { $0.key < $1.key }
            .map { "\($0.key)=\(GoSyntax.quote($0.value.stringValue ?? ""))" }
            .joined(separator: "\n")
    }

    /// A `projected` volume: its sources merged in order. A `serviceAccountToken` source writes the
    /// token in `objects.tokens` at its path (mode: the volume's default); it is skipped and
    /// reported in `skipped` when the API server does not serve TokenRequest.
    public static func projected(_ source: JSON, pod: JSON, objects: PodObjects, nodeAllocatable: [String: Quantity],
                                 skipped: inout [String]) throws(VolumeError) -> [String: VolumeFile] {
        let defaultMode = mode(source["defaultMode"], Self.defaultMode)
        var files: [String: VolumeFile] = [:]
        var errors: [String] = []
        for item in source["sources"].arrayValue ?? [] {
            do throws(VolumeError) {
                if !item["configMap"].isNull {
                    files.merge(try configMap(item["configMap"], objects: objects, defaultMode: defaultMode)) { _, new in new }
                } else if !item["secret"].isNull {
                    files.merge(try secret(item["secret"], objects: objects, defaultMode: defaultMode)) { _, new in new }
                } else if !item["downwardAPI"].isNull {
                    files.merge(try downwardAPI(item["downwardAPI"], pod: pod, nodeAllocatable: nodeAllocatable, defaultMode: defaultMode)) { _, new in new }
                } else if !item["serviceAccountToken"].isNull {
                    let source = item["serviceAccountToken"]
                    let path = source["path"].stringValue ?? ""
                    switch objects.tokens[ServiceAccountTokenRequest(source: source, pod: pod)] {
                    case .token(let token): files[path] = VolumeFile(token, mode: defaultMode)
                    case .failed(let message): throw VolumeError(message)
                    case .unavailable: skipped.append("serviceAccountToken (path \(path))")
                    case nil: throw VolumeError("no service account token requested for path \(path)")
                    }
                } else {
                    skipped.append(item.objectValue?.keys.first ?? "unknown source")
                }
            } catch {
                errors.append(error.description)
            }
        }
        if !errors.isEmpty { throw VolumeError(errors.count == 1 ? errors[0] : "[" + errors.joined(separator: ", ") + "]") }
        return files
    }
}
