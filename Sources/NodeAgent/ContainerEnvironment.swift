import CRI
import FoundationEssentials
import Glibc
import KubeAPI

/// A container's environment as upstream's `makeEnvironmentVariables` builds it: `envFrom`
/// sources first (in order, later ones win, values taken as written), then `env` entries in
/// order, each literal value `$(VAR)`-expanded with what was defined before it. Pure.
public enum ContainerEnvironment {
    /// The variables, in first-definition order (a later definition replaces the value).
    public static func resolve(pod: JSON, container: JSON, context: PodRuntimeContext) throws(ContainerSpecError) -> [Runtime_V1_KeyValue] {
        var order: [String] = []
        var values: [String: String] = [:]
        func set(_ key: String, _ value: String) {
            if values.updateValue(value, forKey: key) == nil { order.append(key) }
        }
        let namespace = pod["metadata"]["namespace"].stringValue ?? "default"
        for source in container["envFrom"].arrayValue ?? [] {
            let prefix = source["prefix"].stringValue ?? ""
            for (key, value) in try envFromEntries(source, namespace: namespace, objects: context.objects).valid.sorted(by: { $0.key < $1.key }) {
                set(prefix + key, value)
            }
        }
        for entry in container["env"].arrayValue ?? [] {
            guard let key = entry["name"].stringValue, !key.isEmpty else { throw ContainerSpecError("an env entry has no name") }
            let from = entry["valueFrom"]
            if from.isNull {
                set(key, ContainerSpec.expand(entry["value"].stringValue ?? "", values))
            } else if let path = from["fieldRef"]["fieldPath"].stringValue {
                set(key, try ContainerSpec.fieldValue(path, pod: pod, context: context))
            } else if !from["resourceFieldRef"].isNull {
                set(key, try ResourceField.value(from["resourceFieldRef"], container: container, nodeAllocatable: context.nodeAllocatable))
            } else if !from["configMapKeyRef"].isNull {
                if let value = try keyRef(from["configMapKeyRef"], kind: "ConfigMap", namespace: namespace, objects: context.objects) {
                    set(key, value)
                }
            } else if !from["secretKeyRef"].isNull {
                if let value = try keyRef(from["secretKeyRef"], kind: "Secret", namespace: namespace, objects: context.objects) {
                    set(key, value)
                }
            } else {
                throw ContainerSpecError("env \(key): unsupported valueFrom source")
            }
        }
        return order.map { Runtime_V1_KeyValue($0, values[$0] ?? "") }
    }

    /// A `configMapKeyRef` / `secretKeyRef`: nil when optional and missing.
    static func keyRef(_ ref: JSON, kind: String, namespace: String, objects: PodObjects) throws(ContainerSpecError) -> String? {
        let name = ref["name"].stringValue ?? ""
        let key = ref["key"].stringValue ?? ""
        let optional = ref["optional"].boolValue ?? false
        let object = kind == "ConfigMap" ? objects.configMaps[name] : objects.secrets[name]
        guard let object else {
            if optional { return nil }
            throw ContainerSpecError("\(kind.lowercased()) \"\(name)\" not found")
        }
        let entries = kind == "ConfigMap" ? PodObjects.entries(configMap: object) : PodObjects.entries(secret: object)
        guard let bytes = entries[key] else {
            if optional { return nil }
            throw ContainerSpecError("couldn't find key \(key) in \(kind) \(namespace)/\(name)")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The entries of one `envFrom` source split into usable ones and keys that are no valid
    /// variable names (after the prefix). A missing, non-optional object is an error.
    static func envFromEntries(_ source: JSON, namespace: String, objects: PodObjects) throws(ContainerSpecError)
        -> (valid: [String: String], invalid: [String], kind: String, name: String) {
        let prefix = source["prefix"].stringValue ?? ""
        let isConfigMap = !source["configMapRef"].isNull
        let ref = isConfigMap ? source["configMapRef"] : source["secretRef"]
        let kind = isConfigMap ? "configMap" : "secret"
        let name = ref["name"].stringValue ?? ""
        guard !ref.isNull else { throw ContainerSpecError("envFrom entry has neither configMapRef nor secretRef") }
        guard let object = isConfigMap ? objects.configMaps[name] : objects.secrets[name] else {
            if ref["optional"].boolValue ?? false { return ([:], [], kind, name) }
            throw ContainerSpecError("\(kind.lowercased()) \"\(name)\" not found")
        }
        let entries = isConfigMap ? PodObjects.entries(configMap: object) : PodObjects.entries(secret: object)
        var valid: [String: String] = [:]
        var invalid: [String] = []
        for (key, bytes) in entries {
            if isEnvVarName(prefix + key) { valid[key] = String(decoding: bytes, as: UTF8.self) } else { invalid.append(prefix + key) }
        }
        return (valid, invalid.sorted(), kind, name)
    }

    /// Event messages for `envFrom` keys that were skipped (upstream's
    /// `InvalidEnvironmentVariableNames` warning), one per source.
    public static func invalidEnvFromMessages(pod: JSON, container: JSON, objects: PodObjects) -> [String] {
        let namespace = pod["metadata"]["namespace"].stringValue ?? "default"
        return (container["envFrom"].arrayValue ?? []).compactMap { source in
            guard let entries = try? envFromEntries(source, namespace: namespace, objects: objects), !entries.invalid.isEmpty else { return nil }
            return "Keys [\(entries.invalid.joined(separator: ", "))] from the EnvFrom \(entries.kind) \(namespace)/\(entries.name) were skipped since they are considered invalid environment variable names."
        }
    }

    /// `IsEnvVarName`: `[-._a-zA-Z][-._a-zA-Z0-9]*`.
    public static func isEnvVarName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first else { return false }
        func letter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "-" || c == "." || c == "_" }
        return letter(first) && name.unicodeScalars.allSatisfy { letter($0) || ("0"..."9").contains($0) }
    }
}

/// `resourceFieldRef` values (upstream `ExtractContainerResourceValue`): CPU rounded up to the
/// divisor in millicores, memory and ephemeral storage rounded up to the divisor in bytes; a
/// missing limit is the node's allocatable amount, a missing request the limit set in the spec
/// (the API server's default) or 0.
public enum ResourceField {
    public static func value(_ ref: JSON, container: JSON, nodeAllocatable: [String: Quantity]) throws(ContainerSpecError) -> String {
        let resource = ref["resource"].stringValue ?? ""
        let divisor: Quantity
        do {
            divisor = ref["divisor"].isNull ? Quantity(nanos: 1_000_000_000) : try Quantity(json: ref["divisor"])
        } catch {
            throw ContainerSpecError("resourceFieldRef \(resource): invalid divisor: \(error)")
        }
        let parts = resource.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, ["limits", "requests"].contains(parts[0]), ["cpu", "memory", "ephemeral-storage"].contains(parts[1]) else {
            throw ContainerSpecError("unsupported container resource : \(resource)")
        }
        func quantity(_ section: String) throws(ContainerSpecError) -> Quantity? {
            let json = container["resources"][section][parts[1]]
            if json.isNull { return nil }
            do { return try Quantity(json: json) } catch { throw ContainerSpecError("resources.\(section).\(parts[1]): \(error)") }
        }
        let amount: Quantity
        if parts[0] == "limits" {
            amount = try quantity("limits") ?? nodeAllocatable[parts[1]] ?? Quantity(nanos: 0)
        } else {
            let limit = try quantity("limits")
            amount = try quantity("requests") ?? limit ?? Quantity(nanos: 0)
        }
        guard !divisor.isZero, !divisor.isNegative else { throw ContainerSpecError("resourceFieldRef \(resource): divisor must be positive") }
        if parts[1] == "cpu" {
            let milli = { (q: Quantity) -> Int128 in (q.nanos + 999_999) / 1_000_000 }
            let d = max(1, milli(divisor))
            return String((milli(amount) + d - 1) / d)
        }
        return String((amount.nanos + divisor.nanos - 1) / divisor.nanos)
    }
}
