/// Which name check a kind applies to `metadata.name` (and `generateName`).
public enum NameRule: Hashable, Sendable {
    /// DNS-1123 subdomain: most kinds, nodes included.
    case dns1123Subdomain
    /// DNS-1123 label: namespaces.
    case dns1123Label
    /// DNS-1035 label: services.
    case dns1035Label
    /// Any single URL path segment: RBAC kinds, events, and kinds without their own validation.
    case pathSegment
}

/// ObjectMeta validation of apimachinery `api/validation/objectmeta.go`.
enum ObjectMetaValidation {
    static let totalAnnotationSizeLimit = 256 * 1024

    /// The name check; with `prefix` a trailing dash is allowed (generateName), as `maskTrailingDash`.
    static func validateName(_ name: String, rule: NameRule, prefix: Bool) -> [String] {
        var value = name
        if prefix, rule != .pathSegment, value.utf8.count > 1, value.hasSuffix("-") {
            value = String(value.dropLast()) + "a"
        }
        switch rule {
        case .dns1123Subdomain: return NameValidation.isDNS1123Subdomain(value)
        case .dns1123Label: return NameValidation.isDNS1123Label(value)
        case .dns1035Label: return NameValidation.isDNS1035Label(value)
        case .pathSegment: return NameValidation.isValidPathSegmentName(value)
        }
    }

    static func validate(_ meta: JSON, namespaced: Bool, rule: NameRule, into errs: inout ErrorList) {
        let path = FieldPath("metadata")
        let generateName = meta["generateName"].string
        if !generateName.isEmpty {
            errs.check(path.child("generateName"), generateName, validateName(generateName, rule: rule, prefix: true))
        }
        let name = meta["name"].string
        if name.isEmpty {
            errs.append(.required(path.child("name"), "name or generateName is required"))
        } else {
            errs.check(path.child("name"), name, validateName(name, rule: rule, prefix: false))
        }
        let namespace = meta["namespace"].string
        if namespaced {
            if namespace.isEmpty {
                errs.append(.required(path.child("namespace")))
            } else {
                errs.check(path.child("namespace"), namespace, NameValidation.isDNS1123Label(namespace))
            }
        } else if !namespace.isEmpty {
            errs.append(.forbidden(path.child("namespace"), "not allowed on this type"))
        }
        errs.nonNegative(path.child("generation"), meta.int("generation"))
        validateLabels(meta["labels"], path.child("labels"), into: &errs)
        validateAnnotations(meta["annotations"], path.child("annotations"), into: &errs)
        validateOwnerReferences(meta["ownerReferences"], path.child("ownerReferences"), into: &errs)
        validateFinalizers(meta["finalizers"], path.child("finalizers"), into: &errs)
    }

    /// On update: system fields are carried over from the stored object (rest.BeforeUpdate), then
    /// the immutable ones are compared.
    static func prepareForUpdate(_ object: inout JSON, old: JSON) {
        let oldMeta = old["metadata"]
        object.update("metadata") { meta in
            if meta["uid"].string.isEmpty, !oldMeta["uid"].isNull { meta["uid"] = oldMeta["uid"] }
            if !oldMeta["creationTimestamp"].isNull { meta["creationTimestamp"] = oldMeta["creationTimestamp"] }
            if !oldMeta["deletionTimestamp"].isNull { meta["deletionTimestamp"] = oldMeta["deletionTimestamp"] }
            if meta["deletionGracePeriodSeconds"].isNull, !oldMeta["deletionGracePeriodSeconds"].isNull {
                meta["deletionGracePeriodSeconds"] = oldMeta["deletionGracePeriodSeconds"]
            }
        }
    }

    static func validateUpdate(_ meta: JSON, old: JSON, into errs: inout ErrorList) {
        let path = FieldPath("metadata")
        if !old["deletionTimestamp"].isNull {
            let oldFinalizers = Set(old["finalizers"].array.map(\.string))
            for f in meta["finalizers"].array.map(\.string) where !oldFinalizers.contains(f) {
                errs.append(.forbidden(path.child("finalizers"), "no new finalizers can be added if the object is being deleted, found new finalizers \(GoSyntax.stringSlice([f], type: "[]string"))"))
            }
        }
        if let g = meta.int("generation"), let og = old.int("generation"), g < og {
            errs.append(.invalid(path.child("generation"), .int(g), "must not be decremented"))
        }
        for key in ["name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"] {
            errs.immutable(path.child(key), new: meta[key], old: old[key])
        }
        validateLabels(meta["labels"], path.child("labels"), into: &errs)
        validateAnnotations(meta["annotations"], path.child("annotations"), into: &errs)
        validateOwnerReferences(meta["ownerReferences"], path.child("ownerReferences"), into: &errs)
    }

    /// `ValidateLabels`: keys are qualified names, values label values; errors point at the map.
    static func validateLabels(_ labels: JSON, _ path: FieldPath, into errs: inout ErrorList) {
        guard let map = labels.stringMap else { return }
        for (k, v) in map {
            errs.check(path, k, NameValidation.isQualifiedName(k))
            errs.check(path, v, NameValidation.isValidLabelValue(v))
        }
    }

    static func validateAnnotations(_ annotations: JSON, _ path: FieldPath, into errs: inout ErrorList) {
        guard let map = annotations.stringMap else { return }
        var size = 0
        for (k, v) in map {
            // Case does not matter for annotation keys.
            errs.check(path, k, NameValidation.isQualifiedName(k.lowercased()))
            size += k.utf8.count + v.utf8.count
        }
        if size > totalAnnotationSizeLimit { errs.append(.tooLong(path, totalAnnotationSizeLimit)) }
    }

    static func validateOwnerReferences(_ refs: JSON, _ path: FieldPath, into errs: inout ErrorList) {
        var firstController: String?
        for ref in refs.array {
            let apiVersion = ref["apiVersion"].string
            let version = apiVersion.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? ""
            if version.isEmpty || apiVersion.split(separator: "/", omittingEmptySubsequences: false).count > 2 {
                errs.append(.invalid(path.child("apiVersion"), apiVersion, "version must not be empty"))
            }
            if ref["kind"].string.isEmpty { errs.append(.invalid(path.child("kind"), "", "kind must not be empty")) }
            if ref["name"].string.isEmpty { errs.append(.invalid(path.child("name"), "", "name must not be empty")) }
            if ref["uid"].string.isEmpty { errs.append(.invalid(path.child("uid"), "", "uid must not be empty")) }
            if ref["controller"].boolValue == true {
                let current = ref["kind"].string + "/" + ref["name"].string
                if let first = firstController {
                    errs.append(.invalid(path, .raw(refs.jsonString),
                                         "Only one reference can have Controller set to true. Found \"true\" in references for \(first) and \(current)"))
                } else {
                    firstController = current
                }
            }
        }
    }

    static func validateFinalizers(_ finalizers: JSON, _ path: FieldPath, into errs: inout ErrorList) {
        let list = finalizers.array.map(\.string)
        for f in list { errs.check(path, f, NameValidation.isQualifiedName(f)) }
        if list.contains("orphan") && list.contains("foregroundDeletion") {
            errs.append(.invalid(path, .raw(GoSyntax.stringSlice(list)), "finalizer orphan and foregroundDeletion cannot be both set"))
        }
    }
}
