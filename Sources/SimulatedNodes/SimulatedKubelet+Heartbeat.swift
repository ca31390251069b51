import FoundationEssentials
import KubeAPI
import Logging

extension SimulatedKubelet {
    /// Renews the node's Lease every `leaseRenewInterval` and writes its status when it changed or
    /// `statusReportInterval` passed, until cancelled or the node is deleted.
    func heartbeatLoop(_ node: SimulatedNode, initialDelay: Duration) async {
        if initialDelay > .zero { try? await Task.sleep(for: initialDelay) }
        while !Task.isCancelled {
            guard state.withLock({ !$0.deleted.contains(node.name) }) else { return }
            await renewLease(node)
            await reportStatusIfDue(node)
            try? await Task.sleep(for: options.leaseRenewInterval)
        }
    }

    /// One renewal: update the Lease we hold (creating it when missing, re-reading it on conflict).
    func renewLease(_ node: SimulatedNode) async {
        let now = Date()
        let nodeUID = nodeInformer.cache.get(namespace: nil, name: node.name)?["metadata"]["uid"].stringValue
        let existing = state.withLock { $0.leases[node.name] }
        do {
            let stored: JSON
            if let existing {
                let lease = node.leaseObject(nodeUID: nodeUID, durationSeconds: options.leaseDurationSeconds, now: now, existing: existing)
                stored = try await client.update(.leases, namespace: SimulatedLabels.leaseNamespace, object: lease)
            } else {
                stored = try await getOrCreateLease(node, nodeUID: nodeUID, now: now)
            }
            state.withLock { $0.leases[node.name] = stored }
        } catch let error as StatusError where error.code == 409 || error.code == 404 {
            // Someone else wrote it, or it was deleted: start from the server's copy next time.
            state.withLock { $0.leases[node.name] = nil }
            logger.debug("lease renewal conflict; re-reading", metadata: ["node": "\(node.name)", "error": "\(error)"])
        } catch {
            logger.warning("cannot renew lease", metadata: ["node": "\(node.name)", "error": "\(error)"])
        }
    }

    private func getOrCreateLease(_ node: SimulatedNode, nodeUID: String?, now: Date) async throws -> JSON {
        do {
            let current = try await client.get(.leases, namespace: SimulatedLabels.leaseNamespace, name: node.name)
            let lease = node.leaseObject(nodeUID: nodeUID, durationSeconds: options.leaseDurationSeconds, now: now, existing: current)
            return try await client.update(.leases, namespace: SimulatedLabels.leaseNamespace, object: lease)
        } catch let error as StatusError where error.code == 404 {
            let lease = node.leaseObject(nodeUID: nodeUID, durationSeconds: options.leaseDurationSeconds, now: now)
            return try await client.create(.leases, namespace: SimulatedLabels.leaseNamespace, object: lease)
        }
    }

    /// Writes node status when the cached node differs from what we report, or the report is older
    /// than `statusReportInterval` (it refreshes `lastHeartbeatTime`).
    func reportStatusIfDue(_ node: SimulatedNode) async {
        let last = state.withLock { $0.lastStatusReport[node.name] }
        let cached = nodeInformer.cache.get(namespace: nil, name: node.name)
        let due = last.map { ContinuousClock.now - $0 >= options.statusReportInterval } ?? true
        let changed = cached.map { node.statusNeedsUpdate($0["status"], profile: options.profile) } ?? false
        guard due || changed else { return }
        do {
            var current: JSON
            if let cached { current = cached } else { current = try await client.get(.nodes, name: node.name) }
            for attempt in 0..<2 {
                current["status"] = node.status(profile: options.profile, previous: current["status"], now: Date())
                do {
                    _ = try await client.updateStatus(.nodes, object: current)
                    break
                } catch let error as StatusError where error.code == 409 && attempt == 0 {
                    current = try await client.get(.nodes, name: node.name)
                }
            }
            state.withLock { $0.lastStatusReport[node.name] = ContinuousClock.now }
        } catch let error as StatusError where error.code == 404 {
            state.withLock { s in _ = s.deleted.insert(node.name) }
            logger.info("node no longer exists; stopping its heartbeat", metadata: ["node": "\(node.name)"])
        } catch {
            logger.warning("cannot update node status", metadata: ["node": "\(node.name)", "error": "\(error)"])
        }
    }
}
