import FoundationEssentials
import KubeAPI
import KubeClient
import Synchronization
import WorkloadControllers

extension ControllerLoops {
    /// Every resource type whose objects can carry ownerReferences that the garbage collector
    /// follows (kube-controller-manager watches all deletable resources; these are the built-in
    /// ones Swiftlet's controllers and users create owner chains with).
    public static let garbageCollectedResources: [ResourceType] = [
        .pods, .replicaSets, .deployments, .statefulSets, .daemonSets, .controllerRevisions, .jobs, .cronJobs,
        .services, .endpoints, .endpointSlices, .configMaps, .secrets, .persistentVolumeClaims, .serviceAccounts,
        .leases, .podDisruptionBudgets, .nodes,
    ]

    /// The garbage collector: an `OwnerGraph` fed by informers over `garbageCollectedResources`,
    /// keyed by object uid. Owners the graph does not know are verified with a live GET (a 404 or
    /// another uid means absent) before any dependent is deleted.
    static func garbageCollector(_ ctx: ControllerContext) -> ControllerLoop {
        let graph = Mutex(OwnerGraph())
        let box = LoopBox()
        let loop = ControllerLoop(name: .garbagecollector, workers: ctx.options.workers, logger: ctx.logger) { uid in
            var absent: Set<String> = []
            // Two passes at most: decide, verify unknown owners live, decide again with what was learnt.
            for _ in 0..<2 {
                let result = graph.withLock { GarbageCollector.process(uid: uid, graph: $0, absentOwners: absent) }
                for error in result.errors {
                    ctx.logger.info("garbage collector cannot process object", metadata: ["uid": "\(uid)", "error": "\(error)"])
                }
                guard !result.needsVerification.isEmpty else {
                    try await ctx.perform(result.actions)
                    return nil
                }
                for lookup in result.needsVerification {
                    // An owner of a kind we cannot address is treated as present: nothing is deleted.
                    guard let type = lookup.resourceType else { return nil }
                    do {
                        let live = try await ctx.client.get(type, namespace: type.namespaced ? lookup.owner.namespace : nil,
                                                            name: lookup.owner.name, subresource: nil)
                        if Owners.uid(live) == lookup.owner.uid {
                            let touched = graph.withLock { $0.upsert(live) }
                            for other in touched where other != uid { box.loop?.enqueue(other) }
                        } else {
                            absent.insert(lookup.owner.uid)
                        }
                    } catch let error as StatusError where error.code == 404 {
                        absent.insert(lookup.owner.uid)
                    }
                }
            }
            return nil
        }
        box.loop = loop
        for resource in garbageCollectedResources {
            ctx.informers.informer(for: resource).addEventHandler(ResourceEventHandler(
                onAdd: { object in
                    let object = withKind(object, resource)
                    for uid in graph.withLock({ $0.upsert(object) }) { loop.enqueue(uid) }
                },
                onUpdate: { _, new in
                    let object = withKind(new, resource)
                    for uid in graph.withLock({ $0.upsert(object) }) { loop.enqueue(uid) }
                },
                onDelete: { object in
                    let object = withKind(object, resource)
                    for uid in graph.withLock({ $0.remove(object) }) { loop.enqueue(uid) }
                }))
        }
        return loop
    }

    /// List items may come without `kind`/`apiVersion`; the graph needs both.
    static func withKind(_ object: JSON, _ resource: ResourceType) -> JSON {
        guard object["kind"].stringValue == nil || object["apiVersion"].stringValue == nil else { return object }
        var object = object
        object["kind"] = .string(resource.kind)
        object["apiVersion"] = .string(resource.apiVersion)
        return object
    }
}

/// Lets a loop's sync closure reach the loop itself (set once, right after creation).
final class LoopBox: Sendable {
    private let stored = Mutex<ControllerLoop?>(nil)
    var loop: ControllerLoop? {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}
