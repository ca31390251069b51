import KubeAPI

/// The service-account controller (upstream pkg/controller/serviceaccount): every active namespace
/// has a `default` ServiceAccount.
public enum ServiceAccountController {
    public static let defaultName = "default"

    /// - Parameters:
    ///   - namespace: the namespace as cached.
    ///   - serviceAccounts: the ServiceAccounts cached in that namespace.
    /// - Returns: a create of `default` when the namespace is active and has none.
    public static func sync(namespace: JSON, serviceAccounts: [JSON]) -> [ControllerAction] {
        let name = Meta.name(namespace)
        // A terminating namespace refuses new objects; creating there only produces errors.
        guard !name.isEmpty, !Meta.isDeleting(namespace),
              namespace["status"]["phase"].stringValue != "Terminating" else { return [] }
        if serviceAccounts.contains(where: { Meta.name($0) == defaultName }) { return [] }
        let account: JSON = [
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": ["name": .string(defaultName), "namespace": .string(name)],
        ]
        return [.create(.serviceAccounts, namespace: name, object: account)]
    }
}
