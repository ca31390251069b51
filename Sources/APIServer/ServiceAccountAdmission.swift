import KubeAPI
import KubeStore

/// The ServiceAccount admission plugin on pod create (upstream plugin/pkg/admission/serviceaccount):
/// a pod runs as a ServiceAccount that exists (`default` unless named), and unless either the pod
/// or its ServiceAccount opts out it gets a projected `kube-api-access-<5 chars>` volume (a bound
/// token, the cluster CA, the namespace) mounted read-only at
/// `/var/run/secrets/kubernetes.io/serviceaccount` in every container.
///
/// The mutation is pure (`admit`); looking the ServiceAccount up is `APIServer.admitServiceAccount`.
enum ServiceAccountAdmission {
    static let defaultServiceAccount = "default"
    static let mountPath = "/var/run/secrets/kubernetes.io/serviceaccount"
    static let volumePrefix = "kube-api-access-"
    /// Upstream's 1 h + 7 s: the odd value lets the API server recognise tokens the kubelet asked
    /// for on behalf of the admission's volume (it may extend them; legacy clients read them
    /// only once).
    static let tokenExpirationSeconds: Int64 = 3607
    static let rootCAConfigMap = "kube-root-ca.crt"

    /// Whether `pod` is a kubelet's mirror of a static pod (left as the kubelet wrote it).
    static func isMirror(_ pod: JSON) -> Bool {
        !pod["metadata"]["annotations"]["kubernetes.io/config.mirror"].isNull
    }

    /// Folds the deprecated `serviceAccount` into `serviceAccountName` (v1 conversion) and defaults
    /// it to `default`, unless the pod is a mirror pod. Returns the name to look up (nil: none).
    static func defaultName(_ pod: inout JSON) -> String? {
        var name = pod["spec"]["serviceAccountName"].stringValue ?? ""
        if name.isEmpty { name = pod["spec"]["serviceAccount"].stringValue ?? "" }
        if name.isEmpty {
            if isMirror(pod) { return nil }
            name = defaultServiceAccount
        }
        pod["spec"]["serviceAccountName"] = .string(name)
        pod["spec"]["serviceAccount"] = .string(name)
        return name
    }

    /// Why a mirror pod is refused, if it is: it may neither run as a ServiceAccount nor project
    /// tokens (its kubelet would act for an identity no admission checked).
    static func mirrorViolation(_ pod: JSON) -> String? {
        guard isMirror(pod) else { return nil }
        if !(pod["spec"]["serviceAccountName"].stringValue ?? "").isEmpty {
            return "a mirror pod may not reference service accounts"
        }
        for volume in pod["spec"]["volumes"].arrayValue ?? [] {
            for source in volume["projected"]["sources"].arrayValue ?? [] where !source["serviceAccountToken"].isNull {
                return "a mirror pod may not use ServiceAccountToken volume projections"
            }
        }
        return nil
    }

    /// Whether the token is mounted: the pod's `automountServiceAccountToken` wins, then the
    /// ServiceAccount's; both unset means yes.
    static func shouldAutomount(pod: JSON, serviceAccount: JSON) -> Bool {
        if let own = pod["spec"]["automountServiceAccountToken"].boolValue { return own }
        return serviceAccount["automountServiceAccountToken"].boolValue ?? true
    }

    /// The projected source upstream's admission adds (`TokenVolumeSource`).
    static var tokenVolumeSource: JSON {
        [
            "sources": [
                ["serviceAccountToken": ["expirationSeconds": .int(tokenExpirationSeconds), "path": "token"]],
                ["configMap": ["name": .string(rootCAConfigMap), "items": [["key": "ca.crt", "path": "ca.crt"]]]],
                ["downwardAPI": ["items": [
                    ["path": "namespace", "fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.namespace"]],
                ]]],
            ],
            "defaultMode": 420,
        ]
    }

    /// Mutates a (non-mirror) pod being created for `serviceAccount`: the token volume and mounts
    /// when automounting, and the ServiceAccount's image pull secrets when the pod names none.
    /// - Parameter volumeName: makes a fresh volume name (random in the server, fixed in tests).
    static func admit(_ pod: inout JSON, serviceAccount: JSON, volumeName: () -> String) {
        if shouldAutomount(pod: pod, serviceAccount: serviceAccount) {
            mountToken(&pod, volumeName: volumeName)
        }
        if (pod["spec"]["imagePullSecrets"].arrayValue ?? []).isEmpty,
           let secrets = serviceAccount["imagePullSecrets"].arrayValue, !secrets.isEmpty {
            pod["spec"]["imagePullSecrets"] = .array(secrets)
        }
    }

    /// Adds the mount to every init container and container without one at `mountPath`, and the
    /// volume when one was added and the pod has no `kube-api-access-*` volume yet (a pod that
    /// brings its own keeps it: the mounts then name that one).
    static func mountToken(_ pod: inout JSON, volumeName: () -> String) {
        var volumes = pod["spec"]["volumes"].arrayValue ?? []
        let existing = volumes.compactMap { $0["name"].stringValue }.first { $0.hasPrefix(volumePrefix) }
        let name = existing ?? volumeName()
        let mount: JSON = ["name": .string(name), "readOnly": true, "mountPath": .string(mountPath)]
        var mounted = false
        for field in ["initContainers", "containers"] {
            guard var containers = pod["spec"][field].arrayValue else { continue }
            for index in containers.indices {
                var mounts = containers[index]["volumeMounts"].arrayValue ?? []
                // A mount of its own at the path (a token the user manages) keeps the path.
                if mounts.contains(where: { $0["mountPath"].stringValue == mountPath }) { continue }
                mounts.append(mount)
                containers[index]["volumeMounts"] = .array(mounts)
                mounted = true
            }
            pod["spec"][field] = .array(containers)
        }
        if mounted, existing == nil {
            volumes.append(["name": .string(name), "projected": tokenVolumeSource])
            pod["spec"]["volumes"] = .array(volumes)
        }
    }
}

extension APIServer {
    /// Runs the ServiceAccount admission on a pod being created in `namespace`.
    /// - Throws: 403 Forbidden when the ServiceAccount does not exist (after waiting briefly for
    ///   `default`, which the controllers create right after the namespace) or a mirror pod breaks
    ///   the rules.
    func admitServiceAccount(_ pod: inout JSON, namespace: String) async throws {
        let podName = Objects.name(pod)
        func forbidden(_ message: String) -> StatusError {
            StatusError(code: 403, reason: "Forbidden", message: "pods \"\(podName)\" is forbidden: \(message)",
                        details: .init(name: podName, kind: "pods"))
        }
        guard let name = ServiceAccountAdmission.defaultName(&pod), !ServiceAccountAdmission.isMirror(pod) else {
            if let violation = ServiceAccountAdmission.mirrorViolation(pod) { throw forbidden(violation) }
            return
        }
        guard let account = try await serviceAccount(namespace: namespace, name: name) else {
            throw forbidden("error looking up service account \(namespace)/\(name): serviceaccount \"\(name)\" not found")
        }
        ServiceAccountAdmission.admit(&pod, serviceAccount: account) {
            Objects.generatedName(prefix: ServiceAccountAdmission.volumePrefix)
        }
    }

    /// The stored ServiceAccount, or nil. `default` is looked for up to ten times 100-200 ms apart,
    /// as upstream does: a pod created right after its namespace races the controller creating it.
    func serviceAccount(namespace: String, name: String) async throws -> JSON? {
        let key = StorageKeys.key(ServiceAccountTokens.serviceAccountDef, namespace: namespace, name: name)
        let attempts = name == ServiceAccountAdmission.defaultServiceAccount ? 10 : 1
        for attempt in 0..<attempts {
            if attempt > 0 { try await Task.sleep(for: .milliseconds(Int.random(in: 100...200))) }
            if let kv = try await store.get(key) { return try Objects.decode(kv) }
        }
        return nil
    }
}
