/// Kinds that embed a pod template: Deployment, ReplicaSet, StatefulSet, DaemonSet (apps/v1),
/// ReplicationController and PodTemplate (core/v1).
enum WorkloadAdmission {
    static let specPath = FieldPath("spec")

    /// PodSpec defaults inside `spec.template`.
    static func defaultTemplate(_ spec: inout JSON) {
        spec.update("template") { t in t.update("spec", PodDefaults.setSpecDefaults) }
    }

    /// Template checks of the apps kinds: selector vs labels, template validity, restartPolicy Always.
    /// A missing selector matches nothing (so it also fails the label check, as upstream does).
    static func validateTemplate(_ spec: JSON, selector: JSON, kindWord: String, deadlineForbidden: Bool,
                                 into errs: inout ErrorList) {
        let tp = specPath.child("template")
        let template = spec["template"]
        if selector.isNull {
            errs.append(.invalid(tp.child("metadata", "labels"), .raw(GoSyntax.stringMap(template["metadata"]["labels"].stringMap)),
                                 "`selector` does not match template `labels`"))
        } else {
            LabelSelectorValidation.checkTemplateLabels(selector: selector, template: template, tp, into: &errs)
        }
        PodValidation.validateTemplate(template, tp, into: &errs)
        let restart = template["spec"]["restartPolicy"].string
        if restart != "Always" { errs.append(.notSupported(tp.child("spec", "restartPolicy"), restart, ["Always"])) }
        if let deadline = template["spec"].int("activeDeadlineSeconds") {
            let p = tp.child("spec", "activeDeadlineSeconds")
            let message = "activeDeadlineSeconds in \(kindWord) is not Supported"
            errs.append(deadlineForbidden ? .forbidden(p, message) : .invalid(p, .int(deadline), message))
        }
    }

    /// Required, well-formed and non-empty `spec.selector`.
    static func validateSelector(_ selector: JSON, emptyWord: String, into errs: inout ErrorList) {
        let p = specPath.child("selector")
        if selector.isNull {
            errs.append(.required(p))
            return
        }
        LabelSelectorValidation.validate(selector, p, into: &errs)
        if LabelSelectorValidation.isEmpty(selector) {
            errs.append(.invalid(p, GoRender.labelSelector(selector), "empty selector is invalid for \(emptyWord)"))
        }
    }

    static func immutableSelector(_ new: JSON, _ old: JSON, _ errs: inout ErrorList) {
        errs.immutable(specPath.child("selector"), new: new["spec"]["selector"], old: old["spec"]["selector"],
                       render: GoRender.labelSelector)
    }

    // MARK: Deployment

    static let deployment = KindRules(
        nameRule: .dns1123Subdomain,
        setDefaults: { d in
            d.update("spec") { spec in
                spec.setDefault("replicas", 1)
                spec.setDefault("strategy", .object([:]))
                spec.update("strategy") { s in
                    s.setDefaultIfEmpty("type", "RollingUpdate")
                    if s["type"].string == "RollingUpdate" {
                        s.setDefault("rollingUpdate", .object([:]))
                        s.update("rollingUpdate") { r in
                            r.setDefault("maxUnavailable", "25%")
                            r.setDefault("maxSurge", "25%")
                        }
                    }
                }
                spec.setDefault("revisionHistoryLimit", 10)
                spec.setDefault("progressDeadlineSeconds", 600)
                defaultTemplate(&spec)
            }
        },
        validate: { d, _, errs in
            let spec = d["spec"]
            errs.nonNegative(specPath.child("replicas"), spec.int("replicas"))
            validateSelector(spec["selector"], emptyWord: "deployment", into: &errs)
            validateTemplate(spec, selector: spec["selector"], kindWord: "ReplicaSet", deadlineForbidden: false, into: &errs)
            validateDeploymentStrategy(spec["strategy"], specPath.child("strategy"), into: &errs)
            errs.nonNegative(specPath.child("minReadySeconds"), spec.int("minReadySeconds"))
            errs.nonNegative(specPath.child("revisionHistoryLimit"), spec.int("revisionHistoryLimit"))
            if let deadline = spec.int("progressDeadlineSeconds") {
                errs.nonNegative(specPath.child("progressDeadlineSeconds"), deadline)
                if deadline <= spec.int("minReadySeconds") ?? 0 {
                    errs.append(.invalid(specPath.child("progressDeadlineSeconds"), .int(deadline), "must be greater than minReadySeconds"))
                }
            }
        },
        validateUpdate: immutableSelector
    )

    static func validateDeploymentStrategy(_ strategy: JSON, _ path: FieldPath, into errs: inout ErrorList) {
        switch strategy["type"].string {
        case "Recreate":
            if !strategy["rollingUpdate"].isNull {
                errs.append(.forbidden(path.child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'"))
            }
        case "RollingUpdate":
            let ru = strategy["rollingUpdate"]
            guard ru.isObject else {
                errs.append(.required(path.child("rollingUpdate"), "this should be defaulted and never be nil"))
                return
            }
            let rp = path.child("rollingUpdate")
            validateIntOrPercent(ru["maxUnavailable"], rp.child("maxUnavailable"), into: &errs)
            validateIntOrPercent(ru["maxSurge"], rp.child("maxSurge"), into: &errs)
            if intOrPercentValue(ru["maxUnavailable"]) == 0 && intOrPercentValue(ru["maxSurge"]) == 0 {
                errs.append(.invalid(rp.child("maxUnavailable"), intOrString(ru["maxUnavailable"]), "may not be 0 when `maxSurge` is 0"))
            }
            if let s = ru["maxUnavailable"].stringValue, s.hasSuffix("%"), let v = Int(s.dropLast()), v > 100 {
                errs.append(.invalid(rp.child("maxUnavailable"), intOrString(ru["maxUnavailable"]), "must not be greater than 100%"))
            }
        default:
            errs.append(.notSupported(path, .raw(strategy.jsonString), ["Recreate", "RollingUpdate"]))
        }
    }

    /// `ValidatePositiveIntOrPercent`.
    static func validateIntOrPercent(_ v: JSON, _ path: FieldPath, into errs: inout ErrorList) {
        if let s = v.stringValue {
            let digits = s.dropLast()
            if !(s.hasSuffix("%") && !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }) {
                errs.append(.invalid(path, intOrString(v), NameValidation.regexError(
                    "a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", "1%", "93%")))
            }
        } else if let i = v.intValue {
            errs.nonNegative(path, i)
        }
    }

    static func intOrPercentValue(_ v: JSON) -> Int64? {
        if let s = v.stringValue { return s.hasSuffix("%") ? Int64(s.dropLast()) : nil }
        return v.intValue
    }

    /// `%#v` of an `intstr.IntOrString` value.
    static func intOrString(_ v: JSON) -> BadValue {
        if let s = v.stringValue { return .raw("intstr.IntOrString{Type:1, IntVal:0, StrVal:\(GoSyntax.quote(s))}") }
        return .raw("intstr.IntOrString{Type:0, IntVal:\(v.intValue ?? 0), StrVal:\"\"}")
    }

    // MARK: ReplicaSet

    static let replicaSet = KindRules(
        nameRule: .dns1123Subdomain,
        setDefaults: { rs in
            rs.update("spec") { spec in
                spec.setDefault("replicas", 1)
                defaultTemplate(&spec)
            }
        },
        validate: { rs, _, errs in
            let spec = rs["spec"]
            errs.nonNegative(specPath.child("replicas"), spec.int("replicas"))
            errs.nonNegative(specPath.child("minReadySeconds"), spec.int("minReadySeconds"))
            validateSelector(spec["selector"], emptyWord: "deployment", into: &errs)
            validateTemplate(spec, selector: spec["selector"], kindWord: "ReplicaSet", deadlineForbidden: false, into: &errs)
        },
        validateUpdate: immutableSelector
    )

    // MARK: DaemonSet

    static let daemonSet = KindRules(
        nameRule: .dns1123Subdomain,
        setDefaults: { ds in
            ds.update("spec") { spec in
                spec.setDefault("updateStrategy", .object([:]))
                spec.update("updateStrategy") { s in
                    s.setDefaultIfEmpty("type", "RollingUpdate")
                    if s["type"].string == "RollingUpdate" {
                        s.setDefault("rollingUpdate", .object([:]))
                        s.update("rollingUpdate") { r in
                            r.setDefault("maxUnavailable", 1)
                            r.setDefault("maxSurge", 0)
                        }
                    }
                }
                spec.setDefault("revisionHistoryLimit", 10)
                defaultTemplate(&spec)
            }
        },
        validate: { ds, _, errs in
            let spec = ds["spec"]
            LabelSelectorValidation.validate(spec["selector"], specPath.child("selector"), into: &errs)
            if spec["selector"].isObject, LabelSelectorValidation.isEmpty(spec["selector"]) {
                errs.append(.invalid(specPath.child("selector"), GoRender.labelSelector(spec["selector"]), "empty selector is invalid for daemonset"))
            }
            validateTemplate(spec, selector: spec["selector"], kindWord: "DaemonSet", deadlineForbidden: false, into: &errs)
            errs.nonNegative(specPath.child("minReadySeconds"), spec.int("minReadySeconds"))
            let strategy = spec["updateStrategy"]
            let sp = specPath.child("updateStrategy")
            switch strategy["type"].string {
            case "OnDelete": break
            case "RollingUpdate":
                let ru = strategy["rollingUpdate"]
                guard ru.isObject else {
                    errs.append(.required(sp.child("rollingUpdate")))
                    break
                }
                validateIntOrPercent(ru["maxUnavailable"], sp.child("rollingUpdate", "maxUnavailable"), into: &errs)
                validateIntOrPercent(ru["maxSurge"], sp.child("rollingUpdate", "maxSurge"), into: &errs)
                if intOrPercentValue(ru["maxUnavailable"]) == 0 && intOrPercentValue(ru["maxSurge"]) == 0 {
                    errs.append(.invalid(sp.child("rollingUpdate", "maxUnavailable"), intOrString(ru["maxUnavailable"]), "may not be 0 when `maxSurge` is 0"))
                }
            default:
                errs.append(.notSupported(sp, .raw(strategy.jsonString), ["RollingUpdate", "OnDelete"]))
            }
            errs.nonNegative(specPath.child("revisionHistoryLimit"), spec.int("revisionHistoryLimit"))
        },
        validateUpdate: immutableSelector
    )

    // MARK: ReplicationController and PodTemplate

    static let replicationController = KindRules(
        nameRule: .dns1123Subdomain,
        setDefaults: { rc in
            let templateLabels = rc["spec"]["template"]["metadata"]["labels"]
            if templateLabels.isObject {
                if rc["spec"]["selector"].object.isEmpty { rc["spec"]["selector"] = templateLabels }
                if rc["metadata"]["labels"].object.isEmpty { rc["metadata"]["labels"] = templateLabels }
            }
            rc.update("spec") { spec in
                spec.setDefault("replicas", 1)
                defaultTemplate(&spec)
            }
        },
        validate: { rc, _, errs in
            let spec = rc["spec"]
            errs.nonNegative(specPath.child("minReadySeconds"), spec.int("minReadySeconds"))
            if spec["selector"].object.isEmpty { errs.append(.required(specPath.child("selector"))) }
            ObjectMetaValidation.validateLabels(spec["selector"], specPath.child("selector"), into: &errs)
            errs.nonNegative(specPath.child("replicas"), spec.int("replicas"))
            guard spec["template"].isObject else {
                errs.append(.required(specPath.child("template")))
                return
            }
            validateTemplate(spec, selector: ["matchLabels": spec["selector"]], kindWord: "ReplicationController",
                             deadlineForbidden: true, into: &errs)
        }
    )

    static let podTemplate = KindRules(
        nameRule: .dns1123Subdomain,
        setDefaults: { pt in pt.update("template") { t in t.update("spec", PodDefaults.setSpecDefaults) } },
        validate: { pt, _, errs in PodValidation.validateTemplate(pt["template"], FieldPath("template"), into: &errs) }
    )
}
