/// A write a controller or the scheduler decided on; pure reconcile functions return these and the
/// component's driver performs them through a `KubeAPIClient`.
public enum ControllerAction: Sendable, Hashable {
    case create(ResourceType, namespace: String?, object: JSON)
    /// PUT of a whole object read from the cache and modified (keeps fields the controller does not model).
    case update(ResourceType, namespace: String?, object: JSON)
    case updateStatus(ResourceType, namespace: String?, object: JSON)
    case patch(ResourceType, namespace: String?, name: String, patch: JSON, patchType: PatchType, subresource: String?)
    case delete(ResourceType, namespace: String?, name: String, options: DeleteOptions)
    case event(EventRecord)
}

/// An event to record about an object (becomes a core/v1 Event).
public struct EventRecord: Sendable, Hashable {
    /// The object the event is about (its kind, apiVersion, namespace, name, uid are read from it).
    public var involvedObject: JSON
    /// `Normal` or `Warning`.
    public var type: String
    public var reason: String
    public var message: String

    public init(involvedObject: JSON, type: String = "Normal", reason: String, message: String) {
        self.involvedObject = involvedObject
        self.type = type
        self.reason = reason
        self.message = message
    }
}
