/// What a strategic merge patch needs to know about the type at one position of an object:
/// how its lists merge and the schema of its children. Provided by the type schemas
/// (`KubeAPI/Schema`), and by simple literal schemas in tests.
public protocol StrategicMergeSchema: Sendable {
    /// The schema of the member `key` of an object at this position (nil: unknown, merge as plain JSON).
    func field(_ key: String) -> (any StrategicMergeSchema)?
    /// For a list at this position: the schema of its elements.
    var elements: (any StrategicMergeSchema)? { get }
    /// For a list at this position: the merge key (`name`, `containerPort`, ...) when the list
    /// merges by key; nil when the list is replaced whole (atomic).
    var patchMergeKey: String? { get }
    /// `merge` for lists of primitives that merge as sets (e.g. `finalizers`), `retainKeys` for
    /// unions (volumes, deployment strategy), `replace` or nil otherwise. May hold several, e.g. `merge,retainKeys`.
    var patchStrategy: String? { get }
}
