/// Basic defaulting and validation of the smaller core and networking kinds: Node, Endpoints,
/// EndpointSlice, Event, Lease, PersistentVolume(Claim), LimitRange, ResourceQuota, PriorityClass
/// and Ingress. Only the commonly used fields are covered.
enum ClusterAdmission {
    static let accessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
    static let ipMessage = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"

    static let node = KindRules(
        nameRule: .dns1123Subdomain,
        setDefaults: { n in
            n.update("status") { s in
                if s["allocatable"].isNull, !s["capacity"].isNull { s["allocatable"] = s["capacity"] }
            }
        },
        validate: { n, _, errs in
            for (i, t) in n["spec"]["taints"].array.enumerated() {
                let p = FieldPath("spec", "taints").index(i)
                errs.check(p.child("key"), t["key"].string, NameValidation.isQualifiedName(t["key"].string))
                if let v = t["value"].stringValue { errs.check(p.child("value"), v, NameValidation.isValidLabelValue(v)) }
                let effect = t["effect"].string
                let effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"]
                if effect.isEmpty {
                    errs.append(.required(p.child("effect")))
                } else if !effects.contains(effect) {
                    errs.append(.notSupported(p.child("effect"), effect, effects))
                }
            }
            for key in ["capacity", "allocatable"] {
                QuantityValidation.validateResourceList(n["status"][key], FieldPath("status", key), into: &errs)
            }
        }
    )

    // MARK: Endpoints and EndpointSlice

    static func validateEndpointPort(_ port: JSON, requireName: Bool, _ p: FieldPath, into errs: inout ErrorList) {
        let name = port["name"].string
        if requireName && name.isEmpty {
            errs.append(.required(p.child("name")))
        } else if !name.isEmpty {
            errs.check(p.child("name"), name, NameValidation.isDNS1123Label(name))
        }
        let number = port.int("port") ?? 0
        for m in NameValidation.isValidPortNum(number) { errs.append(.invalid(p.child("port"), .int(number), m)) }
        let proto = port["protocol"].string
        if proto.isEmpty {
            errs.append(.required(p.child("protocol")))
        } else if !ContainerValidation.portProtocols.contains(proto) {
            errs.append(.notSupported(p.child("protocol"), proto, ContainerValidation.portProtocols))
        }
    }

    static let endpoints = KindRules(
        nameRule: .dns1123Subdomain,
        setDefaults: { ep in
            ep.updateEach("subsets") { s in s.updateEach("ports") { p in p.setDefaultIfEmpty("protocol", "TCP") } }
        },
        validate: { ep, _, errs in
            for (i, subset) in ep["subsets"].array.enumerated() {
                let p = FieldPath("subsets").index(i)
                if subset["addresses"].array.isEmpty && subset["notReadyAddresses"].array.isEmpty {
                    errs.append(.required(p, "must specify `addresses` or `notReadyAddresses`"))
                }
                for key in ["addresses", "notReadyAddresses"] {
                    for (j, a) in subset[key].array.enumerated() where !NameValidation.isValidIP(a["ip"].string) {
                        errs.append(.invalid(p.child(key).index(j).child("ip"), a["ip"].string, ipMessage))
                    }
                }
                let ports = subset["ports"].array
                for (j, port) in ports.enumerated() {
                    validateEndpointPort(port, requireName: ports.count > 1, p.child("ports").index(j), into: &errs)
                }
            }
        }
    )

    static let endpointSlice = KindRules(
        nameRule: .dns1123Subdomain,
        setDefaults: { es in
            es.updateEach("ports") { p in
                p.setDefault("name", "")
                p.setDefault("protocol", "TCP")
            }
        },
        validate: { es, _, errs in
            let type = es["addressType"].string
            let types = ["FQDN", "IPv4", "IPv6"]
            if type.isEmpty {
                errs.append(.required(FieldPath("addressType")))
            } else if !types.contains(type) {
                errs.append(.notSupported(FieldPath("addressType"), type, types))
            }
            for (i, e) in es["endpoints"].array.enumerated() {
                let p = FieldPath("endpoints").index(i).child("addresses")
                let addresses = e["addresses"].array
                if addresses.isEmpty {
                    errs.append(.required(p, "must contain at least 1 address"))
                } else if addresses.count > 100 {
                    errs.append(FieldError(.tooMany, p, .int(Int64(addresses.count)), "must have at most 100 items"))
                }
                for (j, a) in addresses.enumerated() {
                    let s = a.string
                    switch type {
                    case "IPv4" where !NameValidation.isIPv4(s):
                        errs.append(.invalid(p.index(j), s, "must be a valid IPv4 address"))
                    case "IPv6" where !NameValidation.isIPv6(s):
                        errs.append(.invalid(p.index(j), s, "must be a valid IPv6 address"))
                    case "FQDN":
                        errs.check(p.index(j), s, NameValidation.isDNS1123Subdomain(s))
                    default: break
                    }
                }
            }
            for (i, port) in es["ports"].array.enumerated() {
                let p = FieldPath("ports").index(i)
                let name = port["name"].string
                if !name.isEmpty { errs.check(p.child("name"), name, NameValidation.isDNS1123Label(name)) }
                if let number = port.int("port") {
                    for m in NameValidation.isValidPortNum(number) { errs.append(.invalid(p.child("port"), .int(number), m)) }
                }
                let proto = port["protocol"].string
                if !ContainerValidation.portProtocols.contains(proto) {
                    errs.append(.notSupported(p.child("protocol"), proto, ContainerValidation.portProtocols))
                }
            }
        }
    )

    // MARK: Event and Lease

    /// Legacy (core/v1) events: the involved object's namespace must match the event's.
    static let event = KindRules(
        nameRule: .pathSegment,
        validate: { ev, context, errs in
            guard context.gvk.group.isEmpty, ev["eventTime"].isNull else { return }
            let namespace = ev["metadata"]["namespace"].string
            let involved = ev["involvedObject"]["namespace"].string
            let p = FieldPath("involvedObject", "namespace")
            if involved.isEmpty {
                if !namespace.isEmpty && namespace != "default" { errs.append(.invalid(p, involved, "does not match event.namespace")) }
            } else if namespace != involved {
                errs.append(.invalid(p, involved, "does not match event.namespace"))
            }
        }
    )

    static let lease = KindRules(
        nameRule: .dns1123Subdomain,
        validate: { lease, _, errs in
            if let d = lease["spec"].int("leaseDurationSeconds"), d <= 0 {
                errs.append(.invalid(FieldPath("spec", "leaseDurationSeconds"), .int(d), "must be greater than 0"))
            }
            errs.nonNegative(FieldPath("spec", "leaseTransitions"), lease["spec"].int("leaseTransitions"))
        }
    )

    // MARK: Storage

    static func validateAccessModes(_ modes: JSON, _ p: FieldPath, requiredDetail: String, into errs: inout ErrorList) {
        let list = modes.array.map(\.string)
        if list.isEmpty { errs.append(.required(p, requiredDetail)) }
        for m in list where !accessModes.contains(m) { errs.append(.notSupported(p, m, accessModes)) }
        if list.contains("ReadWriteOncePod") && list.contains(where: { $0 != "ReadWriteOncePod" }) {
            errs.append(.forbidden(p, "may not use ReadWriteOncePod with other access modes"))
        }
    }

    static let persistentVolume = KindRules(
        nameRule: .dns1123Subdomain,
        setDefaults: { pv in
            pv.update("spec") { s in
                s.setDefaultIfEmpty("persistentVolumeReclaimPolicy", "Retain")
                s.setDefaultIfEmpty("volumeMode", "Filesystem")
            }
            pv.setDefault("status", .object([:]))
            pv.update("status") { s in s.setDefaultIfEmpty("phase", "Pending") }
        },
        validate: { pv, _, errs in
            let spec = pv["spec"]
            let sp = FieldPath("spec")
            validateAccessModes(spec["accessModes"], sp.child("accessModes"), requiredDetail: "", into: &errs)
            let capacity = spec["capacity"].object
            if capacity.isEmpty { errs.append(.required(sp.child("capacity"))) }
            if capacity["storage"] == nil || capacity.count > 1 {
                errs.append(.notSupported(sp.child("capacity"), GoRender.value(spec["capacity"]), ["storage"]))
            }
            for (name, value) in capacity {
                if let q = QuantityValidation.validate(value, sp.child("capacity").key(name), nonNegative: false, into: &errs), q.nanos <= 0 {
                    errs.append(.invalid(sp.child("capacity").key(name), q.description, "must be greater than zero"))
                }
            }
            let sources = ["hostPath", "nfs", "local", "csi", "iscsi", "fc", "rbd", "cephfs", "glusterfs", "azureFile", "azureDisk",
                           "gcePersistentDisk", "awsElasticBlockStore", "cinder", "flexVolume", "vsphereVolume", "portworxVolume",
                           "scaleIO", "storageos", "quobyte", "photonPersistentDisk", "flocker"]
            if !sources.contains(where: { !spec[$0].isNull }) { errs.append(.required(sp, "must specify a volume type")) }
            let policy = spec["persistentVolumeReclaimPolicy"].string
            if !["Delete", "Recycle", "Retain"].contains(policy) {
                errs.append(.notSupported(sp.child("persistentVolumeReclaimPolicy"), policy, ["Delete", "Recycle", "Retain"]))
            }
        }
    )

    static let persistentVolumeClaim = KindRules(
        nameRule: .dns1123Subdomain,
        setDefaults: { pvc in
            pvc.update("spec") { s in s.setDefaultIfEmpty("volumeMode", "Filesystem") }
            pvc.setDefault("status", .object([:]))
            pvc.update("status") { s in s.setDefaultIfEmpty("phase", "Pending") }
        },
        validate: { pvc, _, errs in
            let spec = pvc["spec"]
            let sp = FieldPath("spec")
            validateAccessModes(spec["accessModes"], sp.child("accessModes"), requiredDetail: "at least 1 access mode is required", into: &errs)
            if !spec["selector"].isNull { LabelSelectorValidation.validate(spec["selector"], sp.child("selector"), into: &errs) }
            let storagePath = sp.child("resources").key("storage")
            let storage = spec["resources"]["requests"]["storage"]
            if storage.isNull {
                errs.append(.required(storagePath))
            } else if let q = QuantityValidation.validate(storage, storagePath, nonNegative: false, into: &errs), q.nanos <= 0 {
                errs.append(.invalid(storagePath, q.description, "must be greater than zero"))
            }
            if let cls = spec["storageClassName"].stringValue, !cls.isEmpty {
                errs.check(sp.child("storageClassName"), cls, NameValidation.isDNS1123Subdomain(cls))
            }
            if let mode = spec["volumeMode"].stringValue, !["Block", "Filesystem"].contains(mode) {
                errs.append(.notSupported(sp.child("volumeMode"), mode, ["Block", "Filesystem"]))
            }
        },
        validateUpdate: { pvc, old, errs in
            var clone = pvc["spec"]
            clone["resources"] = old["spec"]["resources"]
            clone["volumeAttributesClassName"] = old["spec"]["volumeAttributesClassName"]
            if old["spec"]["volumeName"].string.isEmpty { clone["volumeName"] = old["spec"]["volumeName"] }
            if !SemanticJSON.equal(clone, old["spec"]) {
                errs.append(.forbidden(FieldPath("spec"), "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"))
            }
        }
    )

    // MARK: Policy

    static let limitRange = KindRules(
        nameRule: .dns1123Subdomain,
        validate: { lr, _, errs in
            for (i, limit) in lr["spec"]["limits"].array.enumerated() {
                let p = FieldPath("spec", "limits").index(i)
                let type = limit["type"].string
                if type.isEmpty { errs.append(.required(p.child("type"))) }
                for key in ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"] {
                    QuantityValidation.validateResourceList(limit[key], p.child(key), into: &errs)
                }
                if type == "Pod" {
                    for key in ["default", "defaultRequest"] where !limit[key].object.isEmpty {
                        errs.append(.forbidden(p.child(key), "may not be specified when `type` is 'Pod'"))
                    }
                }
            }
        }
    )

    static let resourceQuota = KindRules(
        nameRule: .dns1123Subdomain,
        validate: { rq, _, errs in
            QuantityValidation.validateResourceList(rq["spec"]["hard"], FieldPath("spec", "hard"), into: &errs)
            let scopes = ["BestEffort", "CrossNamespacePodAffinity", "NotBestEffort", "NotTerminating", "PriorityClass", "Terminating"]
            for s in rq["spec"]["scopes"].array.map(\.string) where !scopes.contains(s) {
                errs.append(.notSupported(FieldPath("spec", "scopes"), s, scopes))
            }
        }
    )

    static let priorityClass = KindRules(
        nameRule: .dns1123Subdomain,
        setDefaults: { pc in pc.setDefaultIfEmpty("preemptionPolicy", "PreemptLowerPriority") },
        validate: { pc, _, errs in
            let name = pc["metadata"]["name"].string
            let value = pc.int("value") ?? 0
            let system: [String: Int64] = ["system-node-critical": 2_000_001_000, "system-cluster-critical": 2_000_000_000]
            if let expected = system[name] {
                if value != expected {
                    errs.append(.forbidden(FieldPath("metadata", "name"), "priority class names with 'system-' prefix are reserved for system use only"))
                }
            } else if name.hasPrefix("system-") {
                errs.append(.forbidden(FieldPath("metadata", "name"), "priority class names with 'system-' prefix are reserved for system use only"))
            } else if value > 1_000_000_000 {
                errs.append(.forbidden(FieldPath("value"), "maximum allowed value of a user defined priority is 1000000000"))
            }
            let policy = pc["preemptionPolicy"].string
            if !["Never", "PreemptLowerPriority"].contains(policy) {
                errs.append(.notSupported(FieldPath("preemptionPolicy"), policy, ["PreemptLowerPriority", "Never"]))
            }
        },
        validateUpdate: { pc, old, errs in
            if !SemanticJSON.equal(pc["value"], old["value"]) {
                errs.append(.forbidden(FieldPath("value"), "may not be changed in an update."))
            }
            errs.immutable(FieldPath("preemptionPolicy"), new: pc["preemptionPolicy"], old: old["preemptionPolicy"])
        }
    )
}
