/// core/v1 Service. ClusterIP and NodePort allocation is the caller's; here only defaults,
/// validation, and on update carrying allocated values over from the stored object.
enum ServiceAdmission {
    static let types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]

    static func isHeadless(_ spec: JSON) -> Bool { spec["clusterIP"].string == "None" }

    /// `SetDefaults_Service`, plus the single-stack IP family fields the REST storage fills.
    static func setDefaults(_ svc: inout JSON) {
        svc.update("spec") { spec in
            spec.setDefaultIfEmpty("sessionAffinity", "None")
            if spec["sessionAffinity"].string == "None" {
                spec["sessionAffinityConfig"] = .null
                if case .object(var o) = spec { o["sessionAffinityConfig"] = nil; spec = .object(o) }
            }
            if spec["sessionAffinity"].string == "ClientIP", spec["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"].isNull {
                spec["sessionAffinityConfig"] = ["clientIP": ["timeoutSeconds": 10800]]
            }
            spec.setDefaultIfEmpty("type", "ClusterIP")
            spec.updateEach("ports") { p in
                p.setDefaultIfEmpty("protocol", "TCP")
                let target = p["targetPort"]
                if target.isNull || target.intValue == 0 || target.stringValue == "" {
                    p["targetPort"] = p["port"].isNull ? 0 : p["port"]
                }
            }
            let type = spec["type"].string
            let external = type == "LoadBalancer" || type == "NodePort" || (type == "ClusterIP" && !spec["externalIPs"].array.isEmpty)
            if external { spec.setDefaultIfEmpty("externalTrafficPolicy", "Cluster") }
            if ["NodePort", "LoadBalancer", "ClusterIP"].contains(type) {
                spec.setDefault("internalTrafficPolicy", "Cluster")
            }
            if type == "LoadBalancer" { spec.setDefault("allocateLoadBalancerNodePorts", true) }
            if type != "ExternalName" {
                spec.setDefault("ipFamilyPolicy", "SingleStack")
                if spec["ipFamilies"].array.isEmpty { spec["ipFamilies"] = ["IPv4"] }
                if let ip = spec["clusterIP"].stringValue, !ip.isEmpty, spec["clusterIPs"].array.isEmpty {
                    spec["clusterIPs"] = [.string(ip)]
                }
            }
        }
    }

    static let rules = KindRules(
        nameRule: .dns1035Label,
        setDefaults: setDefaults,
        prepareForCreate: { svc in svc["status"] = ["loadBalancer": .object([:])] },
        prepareForUpdate: { svc, old in
            // Like the REST storage's patchAllocatedValues: an update that omits allocated
            // addresses and node ports keeps the stored ones.
            let oldSpec = old["spec"]
            svc.update("spec") { spec in
                guard spec["type"].string != "ExternalName", oldSpec["type"].string != "ExternalName" else { return }
                if spec["clusterIP"].string.isEmpty, !oldSpec["clusterIP"].isNull {
                    spec["clusterIP"] = oldSpec["clusterIP"]
                    spec["clusterIPs"] = oldSpec["clusterIPs"]
                }
                let oldPorts = oldSpec["ports"].array
                let allocatesNodePorts = ["NodePort", "LoadBalancer"].contains(spec["type"].string)
                spec.updateEach("ports") { p in
                    guard p.int("nodePort") == nil || p.int("nodePort") == 0 else { return }
                    if let match = oldPorts.first(where: { $0["port"] == p["port"] && $0["protocol"] == p["protocol"] }),
                       let np = match.int("nodePort"), np != 0, allocatesNodePorts {
                        p["nodePort"] = .int(np)
                    }
                }
            }
        },
        validate: { svc, _, errs in validate(svc["spec"], into: &errs) },
        validateUpdate: validateUpdate
    )

    /// `ValidateService` (the spec part).
    static func validate(_ spec: JSON, into errs: inout ErrorList) {
        let sp = FieldPath("spec")
        let type = spec["type"].string
        let headless = isHeadless(spec)
        let ports = spec["ports"].array
        if ports.isEmpty && !headless && type != "ExternalName" {
            errs.append(.required(sp.child("ports")))
        }
        switch type {
        case "LoadBalancer", "NodePort":
            if headless {
                errs.append(.invalid(sp.child("clusterIPs").index(0), "None", "may not be set to 'None' for \(type) services"))
            }
            if type == "LoadBalancer" {
                for (i, p) in ports.enumerated() where p.int("port") == 10250 {
                    errs.append(.invalid(sp.child("ports").index(i), .int(10250), "may not expose port 10250 externally since it is used by kubelet"))
                }
            }
        case "ExternalName":
            if !spec["clusterIPs"].array.isEmpty || !spec["clusterIP"].string.isEmpty {
                errs.append(.forbidden(sp.child("clusterIPs"), "may not be set for ExternalName services"))
            }
            if !spec["ipFamilies"].array.isEmpty {
                errs.append(.forbidden(sp.child("ipFamilies"), "may not be set for ExternalName services"))
            }
            if !spec["ipFamilyPolicy"].isNull {
                errs.append(.forbidden(sp.child("ipFamilyPolicy"), "may not be set for ExternalName services"))
            }
            var cname = spec["externalName"].string
            if cname.hasSuffix(".") { cname.removeLast() }
            if cname.isEmpty {
                errs.append(.required(sp.child("externalName")))
            } else {
                errs.check(sp.child("externalName"), cname, NameValidation.isDNS1123Subdomain(cname))
            }
        default: break
        }
        var names = Set<String>()
        for (i, port) in ports.enumerated() {
            let p = sp.child("ports").index(i)
            let name = port["name"].string
            if ports.count > 1 && name.isEmpty {
                errs.append(.required(p.child("name")))
            } else if !name.isEmpty {
                errs.check(p.child("name"), name, NameValidation.isDNS1123Label(name))
                if names.contains(name) { errs.append(.duplicate(p.child("name"), .string(name))) } else { names.insert(name) }
            }
            let number = port.int("port") ?? 0
            for m in NameValidation.isValidPortNum(number) { errs.append(.invalid(p.child("port"), .int(number), m)) }
            let proto = port["protocol"].string
            if proto.isEmpty {
                errs.append(.required(p.child("protocol")))
            } else if !ContainerValidation.portProtocols.contains(proto) {
                errs.append(.notSupported(p.child("protocol"), proto, ContainerValidation.portProtocols))
            }
            ContainerValidation.validatePortNumOrName(port["targetPort"], p.child("targetPort"), into: &errs)
        }
        ObjectMetaValidation.validateLabels(spec["selector"], sp.child("selector"), into: &errs)
        let affinity = spec["sessionAffinity"].string
        if affinity.isEmpty {
            errs.append(.required(sp.child("sessionAffinity")))
        } else if !["ClientIP", "None"].contains(affinity) {
            errs.append(.notSupported(sp.child("sessionAffinity"), affinity, ["ClientIP", "None"]))
        }
        for (i, ip) in spec["externalIPs"].array.enumerated() where !NameValidation.isValidIP(ip.string) {
            errs.append(.invalid(sp.child("externalIPs").index(i), ip.string, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
        }
        if type.isEmpty {
            errs.append(.required(sp.child("type")))
        } else if !types.contains(type) {
            errs.append(.notSupported(sp.child("type"), type, types))
        }
        if type == "ClusterIP" {
            for (i, port) in ports.enumerated() where (port.int("nodePort") ?? 0) != 0 {
                errs.append(.forbidden(sp.child("ports").index(i).child("nodePort"), "may not be used when `type` is 'ClusterIP'"))
            }
        }
        var seen = Set<String>()
        for (i, port) in ports.enumerated() {
            let key = "\(port["protocol"].string)/\(port.int("port") ?? 0)"
            if seen.contains(key) {
                errs.append(.duplicate(sp.child("ports").index(i),
                                       .raw("core.ServicePort{Name:\"\", Protocol:\(GoSyntax.quote(port["protocol"].string)), AppProtocol:(*string)(nil), Port:\(port.int("port") ?? 0), TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}")))
            }
            seen.insert(key)
        }
        for (key, allowed) in [("externalTrafficPolicy", ["Cluster", "Local"]), ("internalTrafficPolicy", ["Cluster", "Local"])] {
            if let v = spec[key].stringValue, !allowed.contains(v) {
                errs.append(.notSupported(sp.child(key), v, allowed))
            }
        }
        if let ip = spec["clusterIP"].stringValue, !ip.isEmpty, ip != "None", !NameValidation.isValidIP(ip) {
            errs.append(.invalid(sp.child("clusterIPs").index(0), ip, "must be empty, 'None', or a valid IP address"))
        }
    }

    /// `validateUpgradeDowngradeClusterIPs`: the primary cluster IP never changes once set.
    static func validateUpdate(_ svc: JSON, _ old: JSON, _ errs: inout ErrorList) {
        let spec = svc["spec"]
        let oldSpec = old["spec"]
        guard spec["type"].string != "ExternalName", oldSpec["type"].string != "ExternalName" else { return }
        if isHeadless(spec) && isHeadless(oldSpec) { return }
        let newIPs = spec["clusterIPs"].array.map(\.string)
        let oldIPs = oldSpec["clusterIPs"].array.map(\.string)
        let path = FieldPath("spec", "clusterIPs").index(0)
        let rendered = BadValue.raw(GoSyntax.stringSlice(spec["clusterIPs"].arrayValue.map { $0.map(\.string) }))
        if newIPs.count == oldIPs.count {
            for (a, b) in zip(newIPs, oldIPs) where a != b {
                errs.append(.invalid(path, rendered, "may not change once set"))
            }
        } else if oldIPs.count > newIPs.count {
            if newIPs.isEmpty { errs.append(.invalid(path, rendered, "primary clusterIP can not be unset")) }
            if let o = oldIPs.first, let n = newIPs.first, o != n { errs.append(.invalid(path, rendered, "may not change once set")) }
        } else if let o = oldIPs.first, newIPs.first != o {
            errs.append(.invalid(path, rendered, "may not change once set"))
        }
    }
}
