/// rbac.authorization.k8s.io/v1 roles and bindings. Their names are path segments.
enum RBACAdmission {
    static let group = "rbac.authorization.k8s.io"

    /// `ValidatePolicyRule` for every rule of a Role or ClusterRole.
    static func role(namespaced: Bool) -> KindRules {
        KindRules(
            nameRule: .pathSegment,
            validate: { role, _, errs in
                for (i, rule) in role["rules"].array.enumerated() {
                    let p = FieldPath("rules").index(i)
                    if rule["verbs"].array.isEmpty {
                        errs.append(.required(p.child("verbs"), "verbs must contain at least one value"))
                    }
                    let urls = rule["nonResourceURLs"].array
                    if !urls.isEmpty {
                        let rendered = BadValue.raw(GoSyntax.stringSlice(urls.map(\.string)))
                        if namespaced {
                            errs.append(.invalid(p.child("nonResourceURLs"), rendered, "namespaced rules cannot apply to non-resource URLs"))
                        }
                        if !rule["apiGroups"].array.isEmpty || !rule["resources"].array.isEmpty || !rule["resourceNames"].array.isEmpty {
                            errs.append(.invalid(p.child("nonResourceURLs"), rendered, "rules cannot apply to both regular resources and non-resource URLs"))
                        }
                        continue
                    }
                    if rule["apiGroups"].array.isEmpty {
                        errs.append(.required(p.child("apiGroups"), "resource rules must supply at least one api group"))
                    }
                    if rule["resources"].array.isEmpty {
                        errs.append(.required(p.child("resources"), "resource rules must supply at least one resource"))
                    }
                }
                if !namespaced {
                    for (i, s) in role["aggregationRule"]["clusterRoleSelectors"].array.enumerated() {
                        LabelSelectorValidation.validate(s, FieldPath("aggregationRule", "clusterRoleSelectors").index(i), into: &errs)
                    }
                }
            }
        )
    }

    /// RoleBinding / ClusterRoleBinding: defaults for API groups, roleRef required and immutable.
    static func binding(namespaced: Bool) -> KindRules {
        KindRules(
            nameRule: .pathSegment,
            setDefaults: { b in
                b.update("roleRef") { r in r.setDefaultIfEmpty("apiGroup", .string(group)) }
                b.updateEach("subjects") { s in
                    if s["apiGroup"].string.isEmpty, ["User", "Group"].contains(s["kind"].string) { s["apiGroup"] = .string(group) }
                }
            },
            validate: { b, _, errs in
                let ref = b["roleRef"]
                let rp = FieldPath("roleRef")
                if ref["apiGroup"].string != group {
                    errs.append(.notSupported(rp.child("apiGroup"), ref["apiGroup"].string, [group]))
                }
                let kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"]
                if !kinds.contains(ref["kind"].string) {
                    errs.append(.notSupported(rp.child("kind"), ref["kind"].string, kinds))
                }
                let name = ref["name"].string
                if name.isEmpty {
                    errs.append(.required(rp.child("name")))
                } else {
                    errs.check(rp.child("name"), name, NameValidation.isValidPathSegmentName(name))
                }
                for (i, subject) in b["subjects"].array.enumerated() {
                    validateSubject(subject, namespaced: namespaced, FieldPath("subjects").index(i), into: &errs)
                }
            },
            validateUpdate: { b, old, errs in
                if !SemanticJSON.equal(b["roleRef"], old["roleRef"]) {
                    let r = b["roleRef"]
                    errs.append(.invalid(FieldPath("roleRef"),
                                         .raw("rbac.RoleRef{APIGroup:\(GoSyntax.quote(r["apiGroup"].string)), Kind:\(GoSyntax.quote(r["kind"].string)), Name:\(GoSyntax.quote(r["name"].string))}"),
                                         "cannot change roleRef"))
                }
            }
        )
    }

    static func validateSubject(_ s: JSON, namespaced: Bool, _ p: FieldPath, into errs: inout ErrorList) {
        let name = s["name"].string
        if name.isEmpty { errs.append(.required(p.child("name"))) }
        let apiGroup = s["apiGroup"].string
        switch s["kind"].string {
        case "ServiceAccount":
            if !name.isEmpty { errs.check(p.child("name"), name, NameValidation.isDNS1123Subdomain(name)) }
            if !apiGroup.isEmpty { errs.append(.notSupported(p.child("apiGroup"), apiGroup, [""])) }
            if !namespaced && s["namespace"].string.isEmpty { errs.append(.required(p.child("namespace"))) }
        case "User", "Group":
            if apiGroup != group { errs.append(.notSupported(p.child("apiGroup"), apiGroup, [group])) }
        default:
            errs.append(.notSupported(p.child("kind"), s["kind"].string, ["ServiceAccount", "User", "Group"]))
        }
    }
}

extension ClusterAdmission {
    /// networking.k8s.io/v1 Ingress: rules, paths and backends.
    static let ingress = KindRules(
        nameRule: .dns1123Subdomain,
        validate: { ing, _, errs in
            let spec = ing["spec"]
            let sp = FieldPath("spec")
            let rules = spec["rules"].array
            if rules.isEmpty && spec["defaultBackend"].isNull {
                errs.append(.invalid(sp, .raw("[]networking.IngressRule(nil)"), "either `defaultBackend` or `rules` must be specified"))
            }
            if !spec["defaultBackend"].isNull { validateBackend(spec["defaultBackend"], sp.child("defaultBackend"), into: &errs) }
            for (i, rule) in rules.enumerated() {
                let rp = sp.child("rules").index(i)
                let host = rule["host"].string
                if !host.isEmpty {
                    if NameValidation.isValidIP(host) {
                        errs.append(.invalid(rp.child("host"), host, "must be a DNS name, not an IP address"))
                    } else if host.hasPrefix("*.") {
                        errs.check(rp.child("host"), host, NameValidation.isDNS1123Subdomain(String(host.dropFirst(2))).map { _ in
                            "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
                        })
                    } else {
                        errs.check(rp.child("host"), host, NameValidation.isDNS1123Subdomain(host))
                    }
                }
                guard rule["http"].isObject else { continue }
                let pp = rp.child("http", "paths")
                let paths = rule["http"]["paths"].array
                if paths.isEmpty { errs.append(.required(pp)) }
                for (j, path) in paths.enumerated() {
                    let p = pp.index(j)
                    let type = path["pathType"].string
                    let value = path["path"].string
                    switch type {
                    case "":
                        errs.append(.required(p.child("pathType"), "pathType must be specified"))
                    case "Exact", "Prefix":
                        if !value.hasPrefix("/") { errs.append(.invalid(p.child("path"), value, "must be an absolute path")) }
                    case "ImplementationSpecific":
                        if !value.isEmpty && !value.hasPrefix("/") { errs.append(.invalid(p.child("path"), value, "must be an absolute path")) }
                    default:
                        errs.append(.notSupported(p.child("pathType"), type, ["Exact", "ImplementationSpecific", "Prefix"]))
                    }
                    validateBackend(path["backend"], p.child("backend"), into: &errs)
                }
            }
        }
    )

    static func validateBackend(_ b: JSON, _ p: FieldPath, into errs: inout ErrorList) {
        let hasService = !b["service"].isNull
        let hasResource = !b["resource"].isNull
        if hasService && hasResource {
            errs.append(.invalid(p, "", "cannot set both resource and service backends"))
            return
        }
        if hasResource { return }
        guard hasService else {
            errs.append(.invalid(p, "", "resource or service backend is required"))
            return
        }
        let svc = b["service"]
        let name = svc["name"].string
        if name.isEmpty {
            errs.append(.required(p.child("service", "name")))
        } else {
            errs.check(p.child("service", "name"), name, NameValidation.isDNS1035Label(name))
        }
        let portName = svc["port"]["name"].string
        let portNumber = svc["port"].int("number") ?? 0
        if !portName.isEmpty && portNumber != 0 {
            errs.append(.invalid(p, "", "cannot set both port name & port number"))
        } else if !portName.isEmpty {
            errs.check(p.child("service", "port", "name"), portName, NameValidation.isValidPortName(portName))
        } else if portNumber != 0 {
            for m in NameValidation.isValidPortNum(portNumber) { errs.append(.invalid(p.child("service", "port", "number"), .int(portNumber), m)) }
        } else {
            errs.append(.required(p.child("service", "port"), "port name or number is required"))
        }
    }
}
