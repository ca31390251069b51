/// Pod and PodSpec validation of `pkg/apis/core/validation/validation.go` (the commonly used fields).
enum PodValidation {
    /// `ValidatePodSpec`.
    static func validateSpec(_ spec: JSON, _ path: FieldPath, into errs: inout ErrorList) {
        if spec["terminationGracePeriodSeconds"].isNull {
            errs.append(.required(path.child("terminationGracePeriodSeconds")))
        }
        let volumes = validateVolumes(spec["volumes"], path.child("volumes"), into: &errs)
        ContainerValidation.validateContainers(spec["containers"], volumes: volumes, path.child("containers"), into: &errs)
        ContainerValidation.validateInitContainers(spec["initContainers"], others: spec["containers"], volumes: volumes,
                                                   path.child("initContainers"), into: &errs)
        validateRestartPolicy(spec["restartPolicy"].string, path.child("restartPolicy"), into: &errs)
        let dnsPolicy = spec["dnsPolicy"].string
        let dnsPolicies = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]
        if dnsPolicy.isEmpty {
            errs.append(.required(path.child("dnsPolicy")))
        } else if !dnsPolicies.contains(dnsPolicy) {
            errs.append(.notSupported(path.child("dnsPolicy"), dnsPolicy, dnsPolicies))
        }
        ObjectMetaValidation.validateLabels(spec["nodeSelector"], path.child("nodeSelector"), into: &errs)
        for (i, secret) in spec["imagePullSecrets"].array.enumerated() where secret["name"].string.isEmpty {
            errs.append(.required(path.child("imagePullSecrets").index(i).child("name")))
        }
        let serviceAccount = spec["serviceAccountName"].string
        if !serviceAccount.isEmpty {
            errs.check(path.child("serviceAccountName"), serviceAccount, NameValidation.isDNS1123Subdomain(serviceAccount))
        }
        let nodeName = spec["nodeName"].string
        if !nodeName.isEmpty {
            errs.check(path.child("nodeName"), nodeName, NameValidation.isDNS1123Subdomain(nodeName))
        }
        if let deadline = spec.int("activeDeadlineSeconds"), deadline < 1 || deadline > Int64(Int32.max) {
            errs.append(.invalid(path.child("activeDeadlineSeconds"), .int(deadline), NameValidation.inclusiveRangeError(1, Int64(Int32.max))))
        }
        for key in ["hostname", "subdomain"] where !spec[key].string.isEmpty {
            errs.check(path.child(key), spec[key].string, NameValidation.isDNS1123Label(spec[key].string))
        }
        validateTolerations(spec["tolerations"], path.child("tolerations"), into: &errs)
        if let policy = spec["preemptionPolicy"].stringValue, !["Never", "PreemptLowerPriority"].contains(policy) {
            errs.append(.notSupported(path.child("preemptionPolicy"), policy, ["PreemptLowerPriority", "Never"]))
        }
    }

    static func validateRestartPolicy(_ policy: String, _ path: FieldPath, into errs: inout ErrorList) {
        switch policy {
        case "Always", "OnFailure", "Never": break
        case "": errs.append(.required(path))
        default: errs.append(.notSupported(path, policy, ["Always", "OnFailure", "Never"]))
        }
    }

    static func validateTolerations(_ tolerations: JSON, _ path: FieldPath, into errs: inout ErrorList) {
        for (i, t) in tolerations.array.enumerated() {
            let p = path.index(i)
            let key = t["key"].string
            let op = t["operator"].string
            if !key.isEmpty { errs.check(p.child("key"), key, NameValidation.isQualifiedName(key)) }
            if key.isEmpty && op != "Exists" {
                errs.append(.invalid(p.child("operator"), op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
            }
            if !t["tolerationSeconds"].isNull, t["effect"].string != "NoExecute" {
                errs.append(.invalid(p.child("effect"), t["effect"].string, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
            }
            switch op {
            case "Equal", "":
                errs.check(p.child("value"), t["value"].string, NameValidation.isValidLabelValue(t["value"].string))
            case "Exists":
                if !t["value"].string.isEmpty {
                    errs.append(.invalid(p.child("operator"), .raw(GoRender.value(t).rendered), "value must be empty when `operator` is 'Exists'"))
                }
            default:
                errs.append(.notSupported(p.child("operator"), op, ["Equal", "Exists"]))
            }
            let effect = t["effect"].string
            if !effect.isEmpty && !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effect) {
                errs.append(.notSupported(p.child("effect"), effect, ["NoSchedule", "PreferNoSchedule", "NoExecute"]))
            }
        }
    }

    /// `ValidateVolumes`; returns the names of the valid volumes, for mount checks.
    static func validateVolumes(_ volumes: JSON, _ path: FieldPath, into errs: inout ErrorList) -> Set<String> {
        var names = Set<String>()
        for (i, v) in volumes.array.enumerated() {
            let p = path.index(i)
            var el = ErrorList()
            validateVolumeSource(v, p, into: &el)
            let name = v["name"].string
            if name.isEmpty {
                el.append(.required(p.child("name")))
            } else {
                el.check(p.child("name"), name, NameValidation.isDNS1123Label(name))
            }
            if names.contains(name) { el.append(.duplicate(p.child("name"), .string(name))) }
            if el.errors.isEmpty { names.insert(name) } else { errs.append(contentsOf: el.errors) }
        }
        return names
    }

    static func validateVolumeSource(_ v: JSON, _ p: FieldPath, into errs: inout ErrorList) {
        let present = PodDefaults.volumeSourceKeys.filter { !v[$0].isNull }
        if present.isEmpty {
            errs.append(.required(p, "must specify a volume type"))
            return
        }
        for extra in present.dropFirst() {
            errs.append(.forbidden(p.child(extra), "may not specify more than 1 volume type"))
        }
        let source = v[present[0]]
        let sp = p.child(present[0])
        switch present[0] {
        case "hostPath":
            if source["path"].string.isEmpty { errs.append(.required(sp.child("path"))) }
            let types = ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"]
            if let t = source["type"].stringValue, !types.contains(t) {
                errs.append(.notSupported(sp.child("type"), t, types))
            }
        case "emptyDir":
            if let medium = source["medium"].stringValue, !["", "Memory"].contains(medium), !medium.hasPrefix("HugePages") {
                errs.append(.notSupported(sp.child("medium"), medium, ["", "Memory", "HugePages"]))
            }
            if !source["sizeLimit"].isNull {
                QuantityValidation.validate(source["sizeLimit"], sp.child("sizeLimit"), nonNegative: true, into: &errs)
            }
        case "secret":
            if source["secretName"].string.isEmpty { errs.append(.required(sp.child("secretName"))) }
            validateMode(source, sp, into: &errs)
        case "configMap":
            if source["name"].string.isEmpty { errs.append(.required(sp.child("name"))) }
            validateMode(source, sp, into: &errs)
        case "persistentVolumeClaim":
            if source["claimName"].string.isEmpty { errs.append(.required(sp.child("claimName"))) }
        case "nfs":
            if source["server"].string.isEmpty { errs.append(.required(sp.child("server"))) }
            if source["path"].string.isEmpty { errs.append(.required(sp.child("path"))) }
        case "downwardAPI", "projected":
            // Their items name fields or sources, not keys.
            validateMode(source, sp, keyed: false, into: &errs)
        default:
            break
        }
    }

    /// File modes must fit in 0777 (`defaultMode` and items' `mode`).
    static func validateMode(_ source: JSON, _ p: FieldPath, keyed: Bool = true, into errs: inout ErrorList) {
        let message = "must be a number between 0 and 0777 (octal), both inclusive"
        if let mode = source.int("defaultMode"), mode < 0 || mode > 0o777 {
            errs.append(.invalid(p.child("defaultMode"), .int(mode), message))
        }
        for (i, item) in source["items"].array.enumerated() {
            let ip = p.child("items").index(i)
            if keyed, item["key"].string.isEmpty { errs.append(.required(ip.child("key"))) }
            if item["path"].string.isEmpty { errs.append(.required(ip.child("path"))) }
            if let mode = item.int("mode"), mode < 0 || mode > 0o777 { errs.append(.invalid(ip.child("mode"), .int(mode), message)) }
        }
    }

    /// `ValidatePodTemplateSpec`: template labels/annotations and the spec.
    static func validateTemplate(_ template: JSON, _ path: FieldPath, into errs: inout ErrorList) {
        ObjectMetaValidation.validateLabels(template["metadata"]["labels"], path.child("labels"), into: &errs)
        ObjectMetaValidation.validateAnnotations(template["metadata"]["annotations"], path.child("annotations"), into: &errs)
        validateSpec(template["spec"], path.child("spec"), into: &errs)
        if !template["spec"]["ephemeralContainers"].array.isEmpty {
            errs.append(.forbidden(path.child("spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"))
        }
    }
}
