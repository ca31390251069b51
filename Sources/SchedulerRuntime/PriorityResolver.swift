import KubeAPI

/// Resolves a pod's scheduling priority as the API server's `Priority` admission plugin would:
/// `spec.priority` when set; otherwise the value of its `priorityClassName`; otherwise the value
/// of the class marked `globalDefault`; otherwise 0.
///
/// The scheduler applies this itself because pods created before their PriorityClass existed, or
/// by an API server without the admission plugin, may lack `spec.priority`.
public struct PriorityResolver: Sendable {
    /// Class name -> value.
    public private(set) var values: [String: Int64] = [:]
    /// Names of classes with `globalDefault: true` (upstream allows only one; the highest value wins if more).
    private var globalDefaults: Set<String> = []

    public init() {}

    /// Builds a resolver from PriorityClass objects.
    public init(classes: [JSON]) {
        for object in classes { upsert(object) }
    }

    /// Adds or replaces a PriorityClass object (ignored without a name or an integer `value`).
    public mutating func upsert(_ object: JSON) {
        guard let name = object[path: ["metadata", "name"]].stringValue, !name.isEmpty else { return }
        guard let value = object["value"].intValue else {
            remove(named: name)
            return
        }
        values[name] = value
        if object["globalDefault"].boolValue == true { globalDefaults.insert(name) } else { globalDefaults.remove(name) }
    }

    public mutating func remove(named name: String) {
        values[name] = nil
        globalDefaults.remove(name)
    }

    /// The value of the global default class, if any.
    public var defaultPriority: Int64? {
        globalDefaults.compactMap { values[$0] }.max()
    }

    /// The priority the pod is scheduled with.
    public func priority(of pod: JSON) -> Int64 {
        if let explicit = pod[path: ["spec", "priority"]].intValue {
            return clamp(explicit)
        }
        if let className = pod[path: ["spec", "priorityClassName"]].stringValue, !className.isEmpty {
            // An unknown class name would have been rejected at admission; treat it as no class.
            if let value = values[className] { return clamp(value) }
        }
        return clamp(defaultPriority ?? 0)
    }

    /// Priorities are int32 in the API.
    private func clamp(_ value: Int64) -> Int64 {
        max(min(value, Int64(Int32.max)), Int64(Int32.min))
    }
}
