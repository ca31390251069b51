import KubeAPI

/// The root CA certificate publisher (upstream pkg/controller/certificates/rootcacertpublisher):
/// every active namespace holds a ConfigMap `kube-root-ca.crt` whose `ca.crt` is the cluster CA
/// bundle, so pods can verify the API server (the service-account admission projects it into
/// every pod's `kube-api-access-*` volume).
public enum RootCACertPublisher {
    public static let configMapName = "kube-root-ca.crt"
    public static let dataKey = "ca.crt"
    public static let descriptionAnnotation = "kubernetes.io/description"
    /// Upstream's wording, so tools that show the annotation read the same.
    public static let description = "Contains a CA bundle that can be used to verify the kube-apiserver when using "
        + "internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
        + "guaranteed across distributions of Kubernetes clusters."

    /// - Parameters:
    ///   - namespace: the namespace as cached (nil when it is gone).
    ///   - configMap: the cached `kube-root-ca.crt` of that namespace, if any.
    ///   - caPEM: the cluster CA bundle (PEM text).
    /// - Returns: a create when the ConfigMap is missing, an update when its `data` differs from
    ///   `{ca.crt: caPEM}` or the description annotation is missing; nothing in a namespace that
    ///   is gone or terminating (it refuses new objects).
    public static func sync(namespace: JSON?, configMap: JSON?, caPEM: String) -> [ControllerAction] {
        guard let namespace else { return [] }
        let name = Meta.name(namespace)
        guard !name.isEmpty, !Meta.isDeleting(namespace),
              namespace["status"]["phase"].stringValue != "Terminating" else { return [] }
        let data: JSON = [dataKey: .string(caPEM)]
        guard var existing = configMap else {
            let created: JSON = [
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": [
                    "name": .string(configMapName), "namespace": .string(name),
                    "annotations": [descriptionAnnotation: .string(description)],
                ],
                "data": data,
            ]
            return [.create(.configMaps, namespace: name, object: created)]
        }
        let described = !(existing["metadata"]["annotations"][descriptionAnnotation].stringValue ?? "").isEmpty
        // Only `data` is compared, as upstream does: other keys someone added are replaced, and
        // the whole map is rewritten so an edited `ca.crt` comes back byte for byte.
        if existing["data"] == data, described { return [] }
        existing["data"] = data
        existing["metadata"]["annotations"][descriptionAnnotation] = .string(description)
        return [.update(.configMaps, namespace: name, object: existing)]
    }
}
