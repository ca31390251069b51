extension ResourceRegistry {
    /// Resources of the named groups (`/apis/<group>/<version>`), in `groups` order.
    static let namedGroupResources: [ResourceDefinition] = apiregistration + apps + events + authentication
        + authorization + batch + certificates + networking + policy + rbac + storage + apiextensions
        + scheduling + coordination + node + discovery

    // Declared for discovery; served once aggregation and CRDs exist.
    static let apiregistration = [
        resource(
            "apiregistration.k8s.io", "APIService", "apiservices", namespaced: false,
            categories: ["api-extensions"], status: true, served: false)
    ]

    static let apps = [
        resource("apps", "ControllerRevision", "controllerrevisions"),
        resource("apps", "DaemonSet", "daemonsets", short: ["ds"], categories: ["all"], status: true),
        resource("apps", "Deployment", "deployments", short: ["deploy"], categories: ["all"], scale: true, status: true),
        resource(
            "apps", "ReplicaSet", "replicasets", short: ["rs"], categories: ["all"], scale: true, status: true,
            fieldSelectors: ["status.replicas": ["status", "replicas"]]),
        resource("apps", "StatefulSet", "statefulsets", short: ["sts"], categories: ["all"], scale: true, status: true),
    ]

    /// `events.k8s.io/v1` shares storage with core events; its field selectors are the metadata ones.
    static let events = [resource("events.k8s.io", "Event", "events", short: ["ev"])]

    static let authentication = [
        resource("authentication.k8s.io", "SelfSubjectReview", "selfsubjectreviews", namespaced: false, verbs: ["create"]),
        resource("authentication.k8s.io", "TokenReview", "tokenreviews", namespaced: false, verbs: ["create"]),
    ]

    static let authorization = [
        resource("authorization.k8s.io", "LocalSubjectAccessReview", "localsubjectaccessreviews", verbs: ["create"]),
        resource(
            "authorization.k8s.io", "SelfSubjectAccessReview", "selfsubjectaccessreviews", namespaced: false,
            verbs: ["create"]),
        resource(
            "authorization.k8s.io", "SelfSubjectRulesReview", "selfsubjectrulesreviews", namespaced: false,
            verbs: ["create"]),
        resource("authorization.k8s.io", "SubjectAccessReview", "subjectaccessreviews", namespaced: false, verbs: ["create"]),
    ]

    static let batch = [
        resource("batch", "CronJob", "cronjobs", short: ["cj"], categories: ["all"], status: true),
        // Upstream's label is `status.successful` although the field is `status.succeeded`.
        resource(
            "batch", "Job", "jobs", categories: ["all"], status: true,
            fieldSelectors: ["status.successful": ["status", "succeeded"]]),
    ]

    static let certificates = [
        resource(
            "certificates.k8s.io", "CertificateSigningRequest", "certificatesigningrequests", namespaced: false,
            short: ["csr"],
            extraSubresources: [
                SubresourceDefinition(
                    name: "approval",
                    responseKind: GroupVersionKind(
                        group: "certificates.k8s.io", version: "v1", kind: "CertificateSigningRequest"),
                    verbs: ["get", "patch", "update"])
            ],
            status: true, fieldSelectors: ["spec.signerName": ["spec", "signerName"]])
    ]

    static let networking = [
        resource("networking.k8s.io", "IngressClass", "ingressclasses", namespaced: false),
        resource("networking.k8s.io", "Ingress", "ingresses", short: ["ing"], status: true),
        resource("networking.k8s.io", "NetworkPolicy", "networkpolicies", short: ["netpol"]),
    ]

    static let policy = [resource("policy", "PodDisruptionBudget", "poddisruptionbudgets", short: ["pdb"], status: true)]

    static let rbac = [
        resource("rbac.authorization.k8s.io", "ClusterRoleBinding", "clusterrolebindings", namespaced: false),
        resource("rbac.authorization.k8s.io", "ClusterRole", "clusterroles", namespaced: false),
        resource("rbac.authorization.k8s.io", "RoleBinding", "rolebindings"),
        resource("rbac.authorization.k8s.io", "Role", "roles"),
    ]

    static let storage = [
        resource("storage.k8s.io", "CSIDriver", "csidrivers", namespaced: false),
        resource("storage.k8s.io", "CSINode", "csinodes", namespaced: false),
        resource("storage.k8s.io", "StorageClass", "storageclasses", namespaced: false, short: ["sc"]),
        resource("storage.k8s.io", "VolumeAttachment", "volumeattachments", namespaced: false, status: true),
    ]

    // Declared for discovery; served once CRDs exist.
    static let apiextensions = [
        resource(
            "apiextensions.k8s.io", "CustomResourceDefinition", "customresourcedefinitions", namespaced: false,
            short: ["crd", "crds"], categories: ["api-extensions"], status: true, served: false)
    ]

    static let scheduling = [resource("scheduling.k8s.io", "PriorityClass", "priorityclasses", namespaced: false, short: ["pc"])]
    static let coordination = [resource("coordination.k8s.io", "Lease", "leases")]
    static let node = [resource("node.k8s.io", "RuntimeClass", "runtimeclasses", namespaced: false)]
    static let discovery = [resource("discovery.k8s.io", "EndpointSlice", "endpointslices")]

    private static func resource(
        _ group: String, _ kind: String, _ plural: String, version: String = "v1", namespaced: Bool = true,
        verbs: [String] = ResourceDefinition.allVerbs, short: [String] = [], categories: [String] = [],
        extraSubresources: [SubresourceDefinition] = [], scale: Bool = false, status: Bool = false,
        fieldSelectors: [String: [String]] = [:], served: Bool = true
    ) -> ResourceDefinition {
        let gvk = GroupVersionKind(group: group, version: version, kind: kind)
        var subresources = extraSubresources
        if scale { subresources.append(.scale) }
        if status { subresources.append(.status(gvk)) }
        return ResourceDefinition(
            group: group, version: version, kind: kind, plural: plural, namespaced: namespaced, verbs: verbs,
            shortNames: short, categories: categories, subresources: subresources, fieldSelectors: fieldSelectors,
            served: served)
    }
}
