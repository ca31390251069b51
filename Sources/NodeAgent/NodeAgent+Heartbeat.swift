import CRI
import FoundationEssentials
import Glibc
import KubeAPI
import Logging
import ServiceProxy
import SimulatedNodes

extension NodeAgent {
    /// Every second: runtime and network readiness, the CNI config once the node has a pod range,
    /// node status when it changed; every `leaseRenewInterval`: the Lease.
    func heartbeatLoop() async {
        var lastLease: ContinuousClock.Instant?
        var lastPressureCheck: ContinuousClock.Instant?
        while !Task.isCancelled {
            await checkRuntime()
            ensureCNIConfig()
            if lastPressureCheck.map({ ContinuousClock.now - $0 >= options.pressureCheckInterval }) ?? true {
                checkPressure()
                lastPressureCheck = .now
            }
            if lastLease.map({ ContinuousClock.now - $0 >= options.leaseRenewInterval }) ?? true {
                await renewLease()
                lastLease = .now
            }
            await reportStatusIfDue()
            guard (try? await Task.sleep(for: .seconds(1))) != nil else { return }
        }
    }

    /// Reads the runtime's RuntimeReady and NetworkReady conditions.
    func checkRuntime() async {
        do {
            let status = try await runtime.status(timeout: .seconds(5))
            let cni = state.withLock { $0.cniWritten }
            state.withLock {
                $0.runtimeReady = status.isRuntimeReady
                $0.networkReady = cni && status.isNetworkReady
            }
        } catch {
            state.withLock { $0.runtimeReady = false }
            logger.warning("container runtime status failed", metadata: ["error": "\(error)"])
        }
    }

    /// Reads the eviction signals and updates the pressure conditions to report.
    func checkPressure() {
        let signals = NodeSignals.read(nodefsPath: options.agentDirectory, imagefsPath: options.agentDirectory + "/containerd")
        let period = options.evictionPressureTransitionPeriod
        let (before, after) = state.withLock { s -> (NodePressure, NodePressure) in
            let before = s.pressure
            s.pressure.observe(signals, thresholds: options.evictionHard,
                               transitionPeriod: Double(period.components.seconds) + Double(period.components.attoseconds) * 1e-18, now: Date())
            return (before, s.pressure)
        }
        for (name, was, now) in [("MemoryPressure", before.memory, after.memory), ("DiskPressure", before.disk, after.disk),
                                 ("PIDPressure", before.pid, after.pid)] where was != now {
            logger.warning("node condition changed", metadata: ["condition": "\(name)", "status": "\(now)"])
        }
    }

    /// Writes the CNI conflist once the node controller gave the node `spec.podCIDR`.
    func ensureCNIConfig() {
        guard let cidr = nodeInformer.cache.get(namespace: nil, name: options.nodeName)?["spec"]["podCIDR"].stringValue else { return }
        guard CNIConfig.isValidIPv4CIDR(cidr) else {
            logger.error("spec.podCIDR is not an IPv4 range this node supports", metadata: ["podCIDR": "\(cidr)"])
            return
        }
        ensureMasquerade(podCIDR: cidr)
        let config = CNIConfig(podCIDR: cidr, ipamDataDirectory: options.ipamDirectory)
        do {
            if try config.write(toDirectory: options.cniConfDirectory) {
                logger.info("wrote the CNI config", metadata: ["podCIDR": "\(cidr)", "directory": "\(options.cniConfDirectory)"])
            }
            state.withLock { $0.cniWritten = true }
        } catch {
            logger.error("cannot write the CNI config", metadata: ["error": "\(error)"])
        }
    }

    /// Writes the pod masquerade table when it is missing or the ranges changed. A failure (nft
    /// missing, say) is logged once and retried every heartbeat; pods still run, but their traffic
    /// leaves the cluster network unmasqueraded until it succeeds.
    func ensureMasquerade(podCIDR: String) {
        guard let nft = options.nft else { return }
        let masquerade = PodMasquerade(podCIDR: podCIDR, clusterCIDR: options.clusterCIDR)
        guard state.withLock({ $0.masquerade != masquerade }) else { return }
        do {
            try masquerade.apply(with: nft)
            state.withLock {
                $0.masquerade = masquerade
                $0.masqueradeError = nil
            }
            logger.info("wrote the pod masquerade table", metadata: [
                "table": "ip \(PodMasquerade.tableName)", "podCIDR": "\(podCIDR)", "clusterCIDR": "\(options.clusterCIDR)"])
        } catch {
            let message = "\(error)"
            let first = state.withLock { state in
                defer { state.masqueradeError = message }
                return state.masqueradeError != message
            }
            if first { logger.error("cannot write the pod masquerade table", metadata: ["error": "\(message)"]) }
        }
    }

    /// Updates the node's Lease (creating it when missing, re-reading it on conflict).
    func renewLease() async {
        let leaseNode = SimulatedNode(name: options.nodeName, index: 0)
        let nodeUID = nodeInformer.cache.get(namespace: nil, name: options.nodeName)?["metadata"]["uid"].stringValue
        let namespace = SimulatedLabels.leaseNamespace
        let now = Date()
        do {
            let stored: JSON
            if let existing = state.withLock({ $0.lease }) {
                stored = try await client.update(.leases, namespace: namespace, object: leaseNode.leaseObject(
                    nodeUID: nodeUID, durationSeconds: options.leaseDurationSeconds, now: now, existing: existing))
            } else {
                do {
                    let current = try await client.get(.leases, namespace: namespace, name: options.nodeName)
                    stored = try await client.update(.leases, namespace: namespace, object: leaseNode.leaseObject(
                        nodeUID: nodeUID, durationSeconds: options.leaseDurationSeconds, now: now, existing: current))
                } catch let error as StatusError where error.code == 404 {
                    stored = try await client.create(.leases, namespace: namespace, object: leaseNode.leaseObject(
                        nodeUID: nodeUID, durationSeconds: options.leaseDurationSeconds, now: now))
                }
            }
            state.withLock { $0.lease = stored }
        } catch {
            state.withLock { $0.lease = nil }
            logger.warning("cannot renew the node lease", metadata: ["error": "\(error)"])
        }
    }

    /// Writes node status when a condition or fact changed, or `statusReportInterval` passed.
    func reportStatusIfDue() async {
        guard let cached = nodeInformer.cache.get(namespace: nil, name: options.nodeName) else { return }
        let reason = notReadyReason(cached)
        let (due, pressure) = state.withLock { s in
            (s.lastStatusReport.map { ContinuousClock.now - $0 >= options.statusReportInterval } ?? true, s.pressure)
        }
        guard due || nodeDescription.statusNeedsUpdate(cached["status"], notReadyReason: reason, pressure: pressure) else { return }
        var current = cached
        do {
            for attempt in 0..<2 {
                current["status"] = nodeDescription.status(previous: current["status"], notReadyReason: reason, pressure: pressure, now: Date())
                do {
                    _ = try await client.updateStatus(.nodes, object: current)
                    break
                } catch let error as StatusError where error.code == 409 && attempt == 0 {
                    current = try await client.get(.nodes, name: options.nodeName)
                }
            }
            state.withLock { $0.lastStatusReport = .now }
            logger.info("node status written", metadata: ["ready": "\(reason == nil)"])
        } catch {
            logger.warning("cannot update node status", metadata: ["error": "\(error)"])
        }
    }
}
