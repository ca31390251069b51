/// The Pod kind: defaults, create-time status, and the update rule that a pod spec is immutable
/// except for images, activeDeadlineSeconds, added tolerations and a negative grace period.
enum PodAdmission {
    static let rules = KindRules(
        nameRule: .dns1123Subdomain,
        setDefaults: PodDefaults.setPodDefaults,
        prepareForCreate: { pod in
            pod["spec"].setDefaultIfEmpty("preemptionPolicy", "PreemptLowerPriority")
            PodDefaults.prepareForCreate(&pod)
        },
        prepareForUpdate: { pod, old in
            // (Status belongs to the status subresource: the apiserver splits spec and status by
            // subresource before admission, so a status update's new status must survive here.)
            // Set at creation by admission, not by the defaulter: keep it when a replace omits it.
            if pod["spec"]["preemptionPolicy"].isNull, !old["spec"]["preemptionPolicy"].isNull {
                pod["spec"]["preemptionPolicy"] = old["spec"]["preemptionPolicy"]
            }
        },
        validate: { pod, _, errs in
            PodValidation.validateSpec(pod["spec"], FieldPath("spec"), into: &errs)
        },
        validateCreate: { pod, errs in
            if !pod["spec"]["ephemeralContainers"].array.isEmpty {
                errs.append(.forbidden(FieldPath("spec", "ephemeralContainers"), "cannot be set on create"))
            }
        },
        validateUpdate: validateUpdate
    )

    static let immutableSpecMessage = "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

    /// `ValidatePodUpdate` (the spec part).
    static func validateUpdate(_ pod: JSON, _ old: JSON, _ errs: inout ErrorList) {
        let specPath = FieldPath("spec")
        let new = pod["spec"]
        let previous = old["spec"]
        for key in ["containers", "initContainers"] where new[key].array.count != previous[key].array.count {
            errs.append(.forbidden(specPath.child(key), "pod updates may not add or remove containers"))
            return
        }
        if let oldDeadline = previous.int("activeDeadlineSeconds") {
            let newDeadline = new.int("activeDeadlineSeconds")
            if newDeadline == nil || newDeadline! > oldDeadline {
                errs.append(.invalid(specPath.child("activeDeadlineSeconds"), newDeadline.map { .int($0) } ?? .null,
                                     "must be less than or equal to previous value"))
            }
        }
        validateOnlyAddedTolerations(new["tolerations"], old: previous["tolerations"], specPath.child("tolerations"), into: &errs)

        // Overwrite the mutable fields with the old values, then anything left different is forbidden.
        var munged = new
        for key in ["containers", "initContainers"] {
            let oldImages = previous[key].array.map { $0["image"] }
            var i = 0
            munged.updateEach(key) { c in
                if i < oldImages.count { c["image"] = oldImages[i] }
                i += 1
            }
        }
        munged["activeDeadlineSeconds"] = previous["activeDeadlineSeconds"]
        munged["tolerations"] = previous["tolerations"]
        if let oldGrace = previous.int("terminationGracePeriodSeconds"), oldGrace < 0,
           munged.int("terminationGracePeriodSeconds") == 1 {
            munged["terminationGracePeriodSeconds"] = previous["terminationGracePeriodSeconds"]
        }
        if !SemanticJSON.equal(munged, previous) {
            errs.append(.forbidden(specPath, immutableSpecMessage + "\n" + diff(old: previous, new: munged)))
        }
    }

    /// Existing tolerations must stay; only their tolerationSeconds may change.
    static func validateOnlyAddedTolerations(_ new: JSON, old: JSON, _ path: FieldPath, into errs: inout ErrorList) {
        func strip(_ t: JSON) -> JSON {
            var copy = t
            copy["tolerationSeconds"] = .null
            return copy
        }
        let newList = new.array.map(strip)
        for (i, t) in old.array.enumerated() where !newList.contains(where: { SemanticJSON.equal($0, strip(t)) }) {
            errs.append(.forbidden(path.index(i), "existing toleration can not be modified except its tolerationSeconds"))
        }
    }

    /// A short field-level diff in the spirit of upstream's `cmp.Diff` output (not identical).
    static func diff(old: JSON, new: JSON) -> String {
        var lines = ["  core.PodSpec{"]
        let keys = Array(old.object.keys) + new.object.keys.filter { old.object[$0] == nil }
        for key in keys where !SemanticJSON.equal(old[key], new[key]) {
            if !old[key].isNull { lines.append("- \t\(key): \(old[key].jsonString),") }
            if !new[key].isNull { lines.append("+ \t\(key): \(new[key].jsonString),") }
        }
        lines.append("  }")
        return lines.joined(separator: "\n") + "\n"
    }
}
