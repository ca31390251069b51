extension WorkloadAdmission {
    /// apps/v1 StatefulSet. `serviceName` is not required by upstream validation.
    static let statefulSet = KindRules(
        nameRule: .dns1123Subdomain,
        setDefaults: { sts in
            sts.update("spec") { spec in
                spec.setDefaultIfEmpty("podManagementPolicy", "OrderedReady")
                spec.setDefault("updateStrategy", .object([:]))
                spec.update("updateStrategy") { s in
                    if s["type"].string.isEmpty {
                        s["type"] = "RollingUpdate"
                        s.setDefault("rollingUpdate", .object([:]))
                    }
                    if s["type"].string == "RollingUpdate" {
                        s.update("rollingUpdate") { r in r.setDefault("partition", 0) }
                    }
                }
                spec.setDefault("persistentVolumeClaimRetentionPolicy", .object([:]))
                spec.update("persistentVolumeClaimRetentionPolicy") { p in
                    p.setDefaultIfEmpty("whenDeleted", "Retain")
                    p.setDefaultIfEmpty("whenScaled", "Retain")
                }
                spec.setDefault("replicas", 1)
                spec.setDefault("revisionHistoryLimit", 10)
                defaultTemplate(&spec)
                spec.updateEach("volumeClaimTemplates") { pvc in
                    pvc.update("spec") { s in s.setDefaultIfEmpty("volumeMode", "Filesystem") }
                    pvc.setDefault("status", ["phase": "Pending"])
                }
            }
        },
        validate: { sts, _, errs in
            let spec = sts["spec"]
            let policy = spec["podManagementPolicy"].string
            switch policy {
            case "": errs.append(.required(specPath.child("podManagementPolicy")))
            case "OrderedReady", "Parallel": break
            default: errs.append(.invalid(specPath.child("podManagementPolicy"), policy, "must be 'OrderedReady' or 'Parallel'"))
            }
            let strategy = spec["updateStrategy"]
            let sp = specPath.child("updateStrategy")
            switch strategy["type"].string {
            case "": errs.append(.required(sp))
            case "OnDelete":
                if !strategy["rollingUpdate"].isNull {
                    errs.append(.invalid(sp.child("rollingUpdate"), .raw(strategy["rollingUpdate"].jsonString), "only allowed for updateStrategy 'RollingUpdate'"))
                }
            case "RollingUpdate":
                errs.nonNegative(sp.child("rollingUpdate", "partition"), strategy["rollingUpdate"].int("partition"))
            default:
                errs.append(.invalid(sp, .raw(strategy.jsonString), "must be 'RollingUpdate' or 'OnDelete'"))
            }
            let retention = spec["persistentVolumeClaimRetentionPolicy"]
            for key in ["whenDeleted", "whenScaled"] {
                let v = retention[key].string
                if retention.isObject, !["Retain", "Delete"].contains(v) {
                    errs.append(.notSupported(specPath.child("persistentVolumeClaimRetentionPolicy", key), v, ["Retain", "Delete"]))
                }
            }
            errs.nonNegative(specPath.child("replicas"), spec.int("replicas"))
            errs.nonNegative(specPath.child("minReadySeconds"), spec.int("minReadySeconds"))
            errs.nonNegative(specPath.child("ordinals", "start"), spec["ordinals"].int("start"))
            validateSelector(spec["selector"], emptyWord: "statefulset", into: &errs)
            validateTemplate(spec, selector: spec["selector"], kindWord: "StatefulSet", deadlineForbidden: true, into: &errs)
        },
        validateUpdate: { sts, old, errs in
            var clone = sts["spec"]
            let previous = old["spec"]
            for key in ["replicas", "template", "updateStrategy", "minReadySeconds", "ordinals", "revisionHistoryLimit",
                        "persistentVolumeClaimRetentionPolicy"] {
                clone[key] = previous[key]
            }
            if !SemanticJSON.equal(clone, previous) {
                errs.append(.forbidden(specPath, "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"))
            }
        }
    )
}
