import ComponentKit
import KubeAPI
import SchedulerCore

extension SchedulerDriver {
    /// POSTs the Binding; on success records `Scheduled`. A 404 (pod gone) or 409 (already bound,
    /// or a stale uid) forgets the pod: the informer reports what really happened. Other errors
    /// retry after the pod's backoff.
    func bind(_ pod: PodInfo, to node: String) async {
        let binding = SchedulerWrites.binding(pod: pod, nodeName: node)
        do {
            _ = try await client.create(.pods, namespace: pod.namespace, object: binding, subresource: "binding")
        } catch let error as StatusError where error.code == 404 || error.code == 409 {
            logger.info("binding not needed", metadata: ["pod": "\(pod.key)", "node": "\(node)", "error": "\(error.message)"])
            state.withLock { $0.bindFailed(key: pod.key, retry: false, now: clock.now) }
            wakeup.signal()
            return
        } catch {
            logger.warning("binding failed", metadata: ["pod": "\(pod.key)", "node": "\(node)", "error": "\(error)"])
            state.withLock { $0.bindFailed(key: pod.key, retry: true, now: clock.now) }
            wakeup.signal()
            return
        }
        state.withLock { $0.bindSucceeded(key: pod.key) }
        logger.debug("bound", metadata: ["pod": "\(pod.key)", "node": "\(node)"])
        let object = cachedPod(key: pod.key) ?? Self.minimalPod(pod)
        await recorder.record(SchedulerWrites.scheduledEvent(pod: object, nodeName: node), now: now())
    }

    /// Records `FailedScheduling` and sets `PodScheduled=False` (skipped when the pod already says
    /// exactly that). The pod is already parked in the queue.
    func reportUnschedulable(_ pod: PodInfo, _ fit: FitError) async {
        let message = fit.message
        logger.info("unschedulable", metadata: ["pod": "\(pod.key)", "reason": "\(message)"])
        guard let object = cachedPod(key: pod.key) else { return }  // deleted meanwhile
        await recorder.record(SchedulerWrites.failedSchedulingEvent(pod: object, message: message), now: now())
        guard let patch = SchedulerWrites.unschedulableStatusPatch(pod: object, message: message, now: now()) else { return }
        do {
            _ = try await client.patch(.pods, namespace: pod.namespace, name: pod.name, patch: patch,
                                       patchType: .strategic, subresource: "status")
        } catch let error as StatusError where error.code == 404 {
            // Deleted meanwhile; the informer removes it from the queue.
        } catch {
            logger.warning("cannot set PodScheduled condition", metadata: ["pod": "\(pod.key)", "error": "\(error)"])
        }
    }

    /// The fields an event needs when the informer no longer has the pod.
    static func minimalPod(_ pod: PodInfo) -> JSON {
        var metadata: JSONObject = ["name": .string(pod.name), "namespace": .string(pod.namespace)]
        if !pod.uid.isEmpty { metadata["uid"] = .string(pod.uid) }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata)]
    }
}
