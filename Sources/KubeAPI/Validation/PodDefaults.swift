/// Pod and PodSpec defaulting of `pkg/apis/core/v1/defaults.go` and the generated defaulter,
/// shared by every kind that embeds a pod template.
enum PodDefaults {
    /// `SetDefaults_Pod` plus the PodSpec defaults: what a Pod (not a template) gets.
    static func setPodDefaults(_ pod: inout JSON) {
        pod.update("spec") { spec in
            setSpecDefaults(&spec)
            // Requests default to limits for resources that have a limit but no request.
            for key in ["containers", "initContainers"] {
                spec.updateEach(key) { c in
                    guard let limits = c["resources"]["limits"].objectValue, !limits.isEmpty else { return }
                    var requests = c["resources"]["requests"].objectValue ?? [:]
                    // An unparsable limit is reported once, under limits, rather than copied.
                    for (name, q) in limits where requests[name] == nil && (try? Quantity(json: q)) != nil {
                        requests[name] = q
                    }
                    c["resources"]["requests"] = .object(requests)
                }
            }
            spec.setDefault("enableServiceLinks", true)
            if spec["hostNetwork"].boolValue == true {
                spec.updateEach("containers", defaultHostNetworkPorts)
                spec.updateEach("initContainers", defaultHostNetworkPorts)
            }
        }
    }

    /// `SetDefaults_PodSpec` and the per-field defaulters reached from a PodSpec.
    static func setSpecDefaults(_ spec: inout JSON) {
        spec.setDefaultIfEmpty("dnsPolicy", "ClusterFirst")
        spec.setDefaultIfEmpty("restartPolicy", "Always")
        spec.setDefault("securityContext", .object([:]))
        spec.setDefault("terminationGracePeriodSeconds", 30)
        spec.setDefaultIfEmpty("schedulerName", "default-scheduler")
        for key in ["containers", "initContainers", "ephemeralContainers"] {
            spec.updateEach(key, setContainerDefaults)
        }
        spec.updateEach("volumes", setVolumeDefaults)
    }

    /// `SetDefaults_Container` and what hangs below a container.
    static func setContainerDefaults(_ c: inout JSON) {
        guard c.isObject else { return }
        if c["imagePullPolicy"].string.isEmpty {
            c["imagePullPolicy"] = imageTag(c["image"].string) == "latest" ? "Always" : "IfNotPresent"
        }
        c.setDefaultIfEmpty("terminationMessagePath", "/dev/termination-log")
        c.setDefaultIfEmpty("terminationMessagePolicy", "File")
        // `resources` is a struct (not a pointer) upstream, so it always serializes.
        c.setDefault("resources", .object([:]))
        c.update("resources") { r in
            for key in ["limits", "requests"] { r.update(key, canonicalizeQuantities) }
        }
        c.updateEach("ports") { p in p.setDefaultIfEmpty("protocol", "TCP") }
        c.updateEach("env") { e in
            e.update("valueFrom") { v in v.update("fieldRef") { f in f.setDefaultIfEmpty("apiVersion", "v1") } }
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] { c.update(probe, setProbeDefaults) }
        c.update("lifecycle") { l in
            for hook in ["postStart", "preStop"] { l.update(hook) { h in h.update("httpGet", setHTTPGetDefaults) } }
        }
    }

    static func setProbeDefaults(_ p: inout JSON) {
        guard p.isObject else { return }
        for (key, value) in [("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1), ("failureThreshold", 3)] as [(String, Int64)] {
            if p.int(key) == nil || p.int(key) == 0 { p[key] = .int(value) }
        }
        p.update("httpGet", setHTTPGetDefaults)
    }

    static func setHTTPGetDefaults(_ h: inout JSON) {
        h.setDefaultIfEmpty("path", "/")
        h.setDefaultIfEmpty("scheme", "HTTP")
    }

    static let volumeSourceKeys = [
        "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
        "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
        "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
        "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
    ]

    static func setVolumeDefaults(_ v: inout JSON) {
        guard v.isObject else { return }
        if !volumeSourceKeys.contains(where: { !v[$0].isNull }) { v["emptyDir"] = .object([:]) }
        for key in ["secret", "configMap", "downwardAPI", "projected"] {
            v.update(key) { s in s.setDefault("defaultMode", 420) }
        }
        v.update("hostPath") { h in h.setDefault("type", "") }
        v.update("downwardAPI") { d in
            d.updateEach("items") { i in i.update("fieldRef") { f in f.setDefaultIfEmpty("apiVersion", "v1") } }
        }
    }

    /// With hostNetwork, a container port's hostPort defaults to its containerPort.
    static func defaultHostNetworkPorts(_ c: inout JSON) {
        c.updateEach("ports") { p in
            if p.int("hostPort") == nil || p.int("hostPort") == 0, let cp = p.int("containerPort") { p["hostPort"] = .int(cp) }
        }
    }

    /// Rewrites parseable quantities in their canonical spelling, as a decode/encode round trip does.
    static func canonicalizeQuantities(_ map: inout JSON) {
        guard case .object(var o) = map else { return }
        for (k, v) in o {
            if let q = try? Quantity(json: v) { o[k] = .string(q.description) }
        }
        map = .object(o)
    }

    /// The tag of an image reference as `parsers.ParseImageName` sees it: `latest` when neither a
    /// tag nor a digest is given, "" for a digest-only reference.
    static func imageTag(_ image: String) -> String {
        var name = Substring(image)
        var hasDigest = false
        if let at = name.firstIndex(of: "@") {
            name = name[..<at]
            hasDigest = true
        }
        let lastComponent = name.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        if let colon = lastComponent.lastIndex(of: ":") {
            return String(lastComponent[lastComponent.index(after: colon)...])
        }
        return hasDigest ? "" : "latest"
    }

    // MARK: PrepareForCreate

    /// Pod strategy `PrepareForCreate`: status reset to Pending with the computed QoS class.
    static func prepareForCreate(_ pod: inout JSON) {
        pod["status"] = ["phase": "Pending", "qosClass": .string(qosClass(pod["spec"]))]
    }

    /// `qos.GetPodQOS`, from CPU and memory requests and limits of all containers.
    static func qosClass(_ spec: JSON) -> String {
        let compute = ["cpu", "memory"]
        var requests: [String: Quantity] = [:]
        var limits: [String: Quantity] = [:]
        var isGuaranteed = true
        let containers = spec["containers"].array + spec["initContainers"].array
        for c in containers {
            var limitsFound = Set<String>()
            for name in compute {
                if let q = try? Quantity(json: c["resources"]["requests"][name]), q.nanos > 0 {
                    requests[name] = Quantity(nanos: (requests[name]?.nanos ?? 0) + q.nanos)
                }
                if let q = try? Quantity(json: c["resources"]["limits"][name]), q.nanos > 0 {
                    limitsFound.insert(name)
                    limits[name] = Quantity(nanos: (limits[name]?.nanos ?? 0) + q.nanos)
                }
            }
            if limitsFound.count != compute.count { isGuaranteed = false }
        }
        if requests.isEmpty && limits.isEmpty { return "BestEffort" }
        if isGuaranteed {
            for name in compute where requests[name] != limits[name] { isGuaranteed = false }
        }
        return isGuaranteed && requests.count == limits.count ? "Guaranteed" : "Burstable"
    }
}
