/// Validation of quantities and resource lists (`ValidateResourceQuantityValue`,
/// `ValidateContainerResourceRequirements`, quota and limit-range maps).
enum QuantityValidation {
    /// Parses one quantity; an unparsable value is reported as `Invalid value` with upstream's parse
    /// message (upstream rejects it while decoding, with a 400).
    @discardableResult
    static func validate(_ value: JSON, _ path: FieldPath, nonNegative: Bool, into errs: inout ErrorList) -> Quantity? {
        do throws(Quantity.ParseError) {
            let q = try Quantity(json: value)
            if nonNegative && q.isNegative {
                errs.append(.invalid(path, q.description, "must be greater than or equal to 0"))
            }
            return q
        } catch {
            errs.append(.invalid(path, GoRender.value(value), error.description))
            return nil
        }
    }

    /// Native resources (no domain, or a `kubernetes.io` domain) may be overcommitted, except hugepages.
    static func isOvercommitAllowed(_ name: String) -> Bool {
        let native = !name.contains("/") || name.contains("kubernetes.io/")
        return native && !name.hasPrefix("hugepages-")
    }

    /// A resource name: qualified name, and for unprefixed names one of the standard ones.
    static func validateResourceName(_ name: String, _ path: FieldPath, standard: Set<String>, what: String,
                                     into errs: inout ErrorList) {
        errs.check(path, name, NameValidation.isQualifiedName(name))
        if !name.contains("/"), !standard.contains(name), !name.hasPrefix("hugepages-") {
            errs.append(.invalid(path, name, "must be a standard resource \(what)"))
        }
    }

    static let containerResources: Set<String> = ["cpu", "memory", "ephemeral-storage"]

    /// `ValidateContainerResourceRequirements`: valid names and quantities, requests <= limits.
    static func validateResourceRequirements(_ resources: JSON, _ path: FieldPath, into errs: inout ErrorList) {
        let limPath = path.child("limits")
        let reqPath = path.child("requests")
        var limits: [String: Quantity] = [:]
        for (name, value) in resources["limits"].object {
            let p = limPath.key(name)
            validateResourceName(name, p, standard: containerResources, what: "for containers", into: &errs)
            if let q = validate(value, p, nonNegative: true, into: &errs) { limits[name] = q }
        }
        for (name, value) in resources["requests"].object {
            let p = reqPath.key(name)
            validateResourceName(name, p, standard: containerResources, what: "for containers", into: &errs)
            guard let q = validate(value, p, nonNegative: true, into: &errs) else { continue }
            if let limit = limits[name] {
                if q != limit && !isOvercommitAllowed(name) {
                    errs.append(.invalid(reqPath, q.description, "must be equal to \(name) limit of \(limit.description)"))
                } else if q > limit {
                    errs.append(.invalid(reqPath, q.description, "must be less than or equal to \(name) limit of \(limit.description)"))
                }
            } else if !isOvercommitAllowed(name), resources["limits"].object[name] == nil {
                errs.append(.required(limPath, "Limit must be set for non overcommitable resources"))
            }
        }
    }

    /// A `ResourceList` whose values must parse and be non-negative (quota `hard`, PVC requests).
    static func validateResourceList(_ list: JSON, _ path: FieldPath, into errs: inout ErrorList) {
        for (name, value) in list.object {
            let p = path.key(name)
            errs.check(p, name, NameValidation.isQualifiedName(name))
            validate(value, p, nonNegative: true, into: &errs)
        }
    }

    /// Canonicalizes every quantity of the resource lists under `keys`.
    static func canonicalize(_ object: inout JSON, keys: [String]) {
        for key in keys { object.update(key, PodDefaults.canonicalizeQuantities) }
    }
}
