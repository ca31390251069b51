/// Patch content types a client can send.
public enum PatchType: String, Sendable, Hashable {
    case json = "application/json-patch+json"
    case merge = "application/merge-patch+json"
    case strategic = "application/strategic-merge-patch+json"
    case apply = "application/apply-patch+yaml"
}

/// Query options of list and watch requests.
public struct ListOptions: Sendable, Hashable {
    public var labelSelector: String?
    public var fieldSelector: String?
    public var limit: Int?
    public var continueToken: String?
    public var resourceVersion: String?
    public var resourceVersionMatch: String?
    public var timeoutSeconds: Int?
    public var allowWatchBookmarks: Bool

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil,
                continueToken: String? = nil, resourceVersion: String? = nil,
                resourceVersionMatch: String? = nil, timeoutSeconds: Int? = nil,
                allowWatchBookmarks: Bool = false) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
        self.resourceVersionMatch = resourceVersionMatch
        self.timeoutSeconds = timeoutSeconds
        self.allowWatchBookmarks = allowWatchBookmarks
    }
}

/// Options of a delete request (sent as a `DeleteOptions` body).
public struct DeleteOptions: Sendable, Hashable {
    /// `Background`, `Foreground` or `Orphan`.
    public var propagationPolicy: String?
    public var gracePeriodSeconds: Int?
    public var preconditionUID: String?
    public var preconditionResourceVersion: String?

    public init(propagationPolicy: String? = nil, gracePeriodSeconds: Int? = nil,
                preconditionUID: String? = nil, preconditionResourceVersion: String? = nil) {
        self.propagationPolicy = propagationPolicy
        self.gracePeriodSeconds = gracePeriodSeconds
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
    }
}

/// One page of a list response.
public struct ObjectList: Sendable, Hashable {
    public var items: [JSON]
    public var resourceVersion: String
    public var continueToken: String?

    public init(items: [JSON], resourceVersion: String, continueToken: String? = nil) {
        self.items = items
        self.resourceVersion = resourceVersion
        self.continueToken = continueToken
    }
}

public enum WatchEventType: String, Sendable, Hashable {
    case added = "ADDED"
    case modified = "MODIFIED"
    case deleted = "DELETED"
    case bookmark = "BOOKMARK"
    case error = "ERROR"
}

/// One event of a watch stream. For `.error` the object is a `Status`.
public struct WatchEvent: Sendable, Hashable {
    public var type: WatchEventType
    public var object: JSON

    public init(type: WatchEventType, object: JSON) {
        self.type = type
        self.object = object
    }
}

/// What components need from the API server. API errors are thrown as `StatusError` (decoded from
/// the server's `Status`); transport failures as other errors. The real implementation is
/// `KubeClient.HTTPClient` (KubeClient target); tests of controller logic may use an in-memory one.
public protocol KubeAPIClient: Sendable {
    func get(_ type: ResourceType, namespace: String?, name: String, subresource: String?) async throws -> JSON
    func list(_ type: ResourceType, namespace: String?, options: ListOptions) async throws -> ObjectList
    /// A watch stream; it ends when the server closes it (timeout) and throws on transport errors.
    func watch(_ type: ResourceType, namespace: String?, options: ListOptions) async throws -> AsyncThrowingStream<WatchEvent, any Error>
    func create(_ type: ResourceType, namespace: String?, object: JSON, subresource: String?) async throws -> JSON
    /// PUT of the whole object (name from `metadata.name`); `subresource` "status" updates status only.
    func update(_ type: ResourceType, namespace: String?, object: JSON, subresource: String?) async throws -> JSON
    func patch(_ type: ResourceType, namespace: String?, name: String, patch: JSON, patchType: PatchType,
               subresource: String?) async throws -> JSON
    /// Returns the deleted (or now terminating) object, or the server's `Status`.
    func delete(_ type: ResourceType, namespace: String?, name: String, options: DeleteOptions) async throws -> JSON
}

extension KubeAPIClient {
    public func get(_ type: ResourceType, namespace: String? = nil, name: String) async throws -> JSON {
        try await get(type, namespace: namespace, name: name, subresource: nil)
    }
    public func create(_ type: ResourceType, namespace: String? = nil, object: JSON) async throws -> JSON {
        try await create(type, namespace: namespace, object: object, subresource: nil)
    }
    public func update(_ type: ResourceType, namespace: String? = nil, object: JSON) async throws -> JSON {
        try await update(type, namespace: namespace, object: object, subresource: nil)
    }
    public func updateStatus(_ type: ResourceType, namespace: String? = nil, object: JSON) async throws -> JSON {
        try await update(type, namespace: namespace, object: object, subresource: "status")
    }
    public func patch(_ type: ResourceType, namespace: String? = nil, name: String, patch: JSON,
                      patchType: PatchType = .merge) async throws -> JSON {
        try await self.patch(type, namespace: namespace, name: name, patch: patch, patchType: patchType, subresource: nil)
    }
    public func delete(_ type: ResourceType, namespace: String? = nil, name: String) async throws -> JSON {
        try await delete(type, namespace: namespace, name: name, options: DeleteOptions())
    }
}
