import CRI
import FoundationEssentials
import Glibc
import KubeAPI

extension NodeAgent {
    /// `/stats/summary` (upstream `stats/v1alpha1` Summary, what metrics-server and `kubectl top`
    /// read): node CPU and memory from `/proc`, pods and containers from their cgroups.
    func statsSummary(cgroups: CgroupStats = CgroupStats(), resample: Bool = true) async throws -> JSON {
        let now = Date()
        let time = JSON.string(Timestamp.format(now))
        var firstSample = false
        func cpu(_ key: String, _ nanoseconds: UInt64?) -> JSON {
            guard let nanoseconds else { return ["time": time] }
            var cpu: JSON = ["time": time, "usageCoreNanoSeconds": .int(Int64(clamping: nanoseconds))]
            if let rate = monitor.cpuRate(key: key, nanoseconds: nanoseconds, at: now) {
                cpu["usageNanoCores"] = .int(Int64(clamping: rate))
            } else {
                firstSample = true
            }
            return cpu
        }
        func memory(_ usage: ResourceUsage, available: UInt64? = nil) -> JSON {
            var memory: JSON = ["time": time]
            if let available { memory["availableBytes"] = .int(Int64(clamping: available)) }
            if let v = usage.memoryUsageBytes { memory["usageBytes"] = .int(Int64(clamping: v)) }
            if let v = usage.memoryWorkingSetBytes { memory["workingSetBytes"] = .int(Int64(clamping: v)) }
            if let v = usage.memoryRSSBytes { memory["rssBytes"] = .int(Int64(clamping: v)) }
            return memory
        }

        let nodeUsage = cgroups.nodeUsage()
        let capacity = UInt64(max(0, machine.memoryBytes))
        var node: JSON = [
            "nodeName": .string(options.nodeName), "startTime": .string(Timestamp.format(monitor.startTime)),
            "cpu": cpu("node", nodeUsage.cpuNanoseconds),
            "memory": memory(nodeUsage, available: nodeUsage.memoryWorkingSetBytes.map { capacity > $0 ? capacity - $0 : 0 }),
        ]
        node["systemContainers"] = []

        var pods: [JSON] = []
        var keys: Set<String> = ["node"]
        for pod in podInformer.cache.list() {
            let uid = pod["metadata"]["uid"].stringValue ?? ""
            let parent = PodSandboxSpec.cgroupParent(pod: pod)
            guard let podUsage = cgroups.usage(cgroup: parent) else { continue }
            keys.insert(parent)
            let runtimePod = (try? await observe(uid: uid)) ?? RuntimePod()
            var containers: [JSON] = []
            for (name, runs) in runtimePod.runs.sorted(by: { $0.key < $1.key }) {
                guard let run = runs.first, run.state == .containerRunning else { continue }
                let path = parent + "/" + run.id
                guard let usage = cgroups.usage(cgroup: path) else { continue }
                keys.insert(path)
                containers.append([
                    "name": .string(name),
                    "startTime": .string(Timestamp.format(Date(criNanos: run.startedAt) ?? now)),
                    "cpu": cpu(path, usage.cpuNanoseconds), "memory": memory(usage),
                ])
            }
            pods.append([
                "podRef": ["name": pod["metadata"]["name"], "namespace": pod["metadata"]["namespace"], "uid": .string(uid)],
                "startTime": pod["status"]["startTime"].isNull ? time : pod["status"]["startTime"],
                "containers": .array(containers),
                "cpu": cpu(parent, podUsage.cpuNanoseconds), "memory": memory(podUsage),
            ])
        }
        monitor.pruneSamples(keeping: keys)
        if firstSample, resample {
            // No earlier sample to make a rate from: take a second one shortly (once per cgroup).
            try await Task.sleep(for: .milliseconds(250))
            return try await statsSummary(cgroups: cgroups, resample: false)
        }
        return ["node": node, "pods": .array(pods)]
    }

    /// `/metrics`: a few of upstream's kubelet metrics, Prometheus text format 0.0.4.
    func metricsText() async -> String {
        let sandboxes = (try? await runtime.listPodSandbox()) ?? []
        let containers = (try? await runtime.listContainers()) ?? []
        let running = containers.filter { $0.state == .containerRunning }.count
        let exited = containers.filter { $0.state == .containerExited }.count
        let created = containers.filter { $0.state == .containerCreated }.count
        var text = """
            # HELP kubelet_node_name [ALPHA] The node's name. The count is always 1.
            # TYPE kubelet_node_name gauge
            kubelet_node_name{node="\(options.nodeName)"} 1
            # HELP kubelet_running_pods [ALPHA] Number of pods that have a running pod sandbox
            # TYPE kubelet_running_pods gauge
            kubelet_running_pods \(sandboxes.filter { $0.state == .sandboxReady }.count)
            # HELP kubelet_running_containers [ALPHA] Number of containers currently running
            # TYPE kubelet_running_containers gauge
            kubelet_running_containers{container_state="created"} \(created)
            kubelet_running_containers{container_state="exited"} \(exited)
            kubelet_running_containers{container_state="running"} \(running)

            """
        text += monitor.syncHistogramText()
        return text
    }
}
