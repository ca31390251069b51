import FoundationEssentials
import KubeAPI

/// The objects of one namespaced resource type listed in the namespace being deleted.
public struct NamespaceContent: Sendable, Hashable {
    public var resource: ResourceType
    public var objects: [JSON]

    public init(resource: ResourceType, objects: [JSON]) {
        self.resource = resource
        self.objects = objects
    }
}

/// What one namespace-controller pass decided.
public struct NamespaceSyncResult: Sendable, Hashable {
    /// Deletes of contents and the status update (phase, conditions), in order.
    public var actions: [ControllerAction] = []
    /// The namespace to PUT to `namespaces/<name>/finalize` (spec.finalizers without `kubernetes`);
    /// set only once nothing is left. (`ControllerAction` has no update of a custom subresource.)
    public var finalize: JSON?
    /// Objects still in the namespace; when positive, sync again after `requeueAfter`.
    public var remaining: Int = 0
    public var requeueAfter: Duration?
}

/// The namespace controller (upstream pkg/controller/namespace/deletion): a namespace with a
/// deletionTimestamp is set Terminating, emptied, reported through its status conditions, and then
/// finalized by removing `kubernetes` from `spec.finalizers` via the `finalize` subresource.
public enum NamespaceController {
    public static let finalizerName = "kubernetes"

    /// - Parameters:
    ///   - namespace: the namespace as cached.
    ///   - contents: every namespaced resource type the driver could list, with its objects in this namespace.
    ///   - discoveryFailures: resource types that could not be listed (`"group/version: error"`); the
    ///     namespace is not finalized while any remain, as upstream.
    public static func sync(namespace: JSON, contents: [NamespaceContent], discoveryFailures: [String] = [],
                            now: Date) -> NamespaceSyncResult {
        var result = NamespaceSyncResult()
        let name = Meta.name(namespace)
        guard !name.isEmpty, Meta.isDeleting(namespace) else { return result }
        let specFinalizers = (namespace["spec"]["finalizers"].arrayValue ?? []).compactMap(\.stringValue)
        guard specFinalizers.contains(finalizerName) else { return result }  // already finalized by us

        var remainingByResource: [String: Int] = [:]
        var finalizerCounts: [String: Int] = [:]
        var longestGrace: Int64 = 0
        for content in contents {
            for object in content.objects {
                remainingByResource[content.resource.description, default: 0] += 1
                result.remaining += 1
                for finalizer in Meta.finalizers(object) { finalizerCounts[finalizer, default: 0] += 1 }
                if Meta.isDeleting(object) {
                    // Already going; a pod's grace period tells how long to wait before looking again.
                    if content.resource == .pods,
                       let deadline = Meta.timestamp(object["metadata"]["deletionTimestamp"]) {
                        longestGrace = max(longestGrace, Int64(deadline.timeIntervalSince(now).rounded(.up)))
                    }
                    continue
                }
                let objectName = Meta.name(object)
                guard !objectName.isEmpty else { continue }
                result.actions.append(.delete(content.resource, namespace: name, name: objectName,
                                              options: DeleteOptions(propagationPolicy: "Background",
                                                                     preconditionUID: Meta.uid(object).isEmpty ? nil : Meta.uid(object))))
            }
        }

        var updated = namespace
        updated["status"]["phase"] = "Terminating"
        var conditions = namespace["status"]["conditions"].arrayValue ?? []
        for condition in statusConditions(remainingByResource: remainingByResource, finalizerCounts: finalizerCounts,
                                          discoveryFailures: discoveryFailures) {
            Conditions.set(&conditions, type: condition.type, status: condition.status, reason: condition.reason,
                           message: condition.message, now: now)
        }
        updated["status"]["conditions"] = .array(conditions)
        if updated != namespace { result.actions.append(.updateStatus(.namespaces, namespace: nil, object: updated)) }

        if result.remaining == 0 && discoveryFailures.isEmpty {
            var finalized = updated
            finalized["spec"]["finalizers"] = .array(specFinalizers.filter { $0 != finalizerName }.map(JSON.string))
            result.finalize = finalized
        } else {
            result.requeueAfter = .seconds(max(longestGrace, 1))
        }
        return result
    }

    struct Condition { var type, status, reason, message: String }

    /// The five deletion conditions with upstream's reasons and messages.
    static func statusConditions(remainingByResource: [String: Int], finalizerCounts: [String: Int],
                                 discoveryFailures: [String]) -> [Condition] {
        var list: [Condition] = []
        if discoveryFailures.isEmpty {
            list.append(Condition(type: "NamespaceDeletionDiscoveryFailure", status: "False", reason: "ResourcesDiscovered",
                                  message: "All resources successfully discovered"))
        } else {
            list.append(Condition(type: "NamespaceDeletionDiscoveryFailure", status: "True", reason: "DiscoveryFailed",
                                  message: "Discovery failed for some groups, \(discoveryFailures.count) failing: \(discoveryFailures.sorted().joined(separator: ", "))"))
        }
        list.append(Condition(type: "NamespaceDeletionGroupVersionParsingFailure", status: "False", reason: "ParsedGroupVersions",
                              message: "All legacy kube types successfully parsed"))
        list.append(Condition(type: "NamespaceDeletionContentFailure", status: "False", reason: "ContentDeleted",
                              message: "All content successfully deleted, may be waiting on finalization"))
        if remainingByResource.isEmpty {
            list.append(Condition(type: "NamespaceContentRemaining", status: "False", reason: "ContentRemoved",
                                  message: "All content successfully removed"))
        } else {
            let parts = remainingByResource.keys.sorted().map { "\($0) has \(remainingByResource[$0]!) resource instances" }
            list.append(Condition(type: "NamespaceContentRemaining", status: "True", reason: "SomeResourcesRemain",
                                  message: "Some resources are remaining: \(parts.joined(separator: ", "))"))
        }
        if finalizerCounts.isEmpty {
            list.append(Condition(type: "NamespaceFinalizersRemaining", status: "False", reason: "ContentHasNoFinalizers",
                                  message: "All content-preserving finalizers finished"))
        } else {
            let parts = finalizerCounts.keys.sorted().map { "\($0) in \(finalizerCounts[$0]!) resource instances" }
            list.append(Condition(type: "NamespaceFinalizersRemaining", status: "True", reason: "SomeFinalizersRemain",
                                  message: "Some content in the namespace has finalizers remaining: \(parts.joined(separator: ", "))"))
        }
        return list
    }
}
