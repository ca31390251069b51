import KubeAPI
@testable import SchedulerCore

/// Builders for pod and node JSON as the API returns them.
enum Fixture {
    static func node(_ name: String, cpu: String = "4", memory: String = "8Gi", pods: Int64 = 110,
                     labels: [String: String] = [:], taints: [JSON] = [], unschedulable: Bool = false,
                     ready: String? = "True", conditions extra: [JSON] = []) -> JSON {
        var allLabels = labels
        allLabels["kubernetes.io/hostname"] = allLabels["kubernetes.io/hostname"] ?? name
        var conditions: [JSON] = extra
        if let ready { conditions.append(["type": "Ready", "status": .string(ready)]) }
        var spec: JSONObject = [:]
        if !taints.isEmpty { spec["taints"] = .array(taints) }
        if unschedulable { spec["unschedulable"] = true }
        return [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string(name), "labels": .object(JSONObject(uniqueKeysWithValues: allLabels.sorted { $0.key < $1.key }.map { ($0.key, JSON.string($0.value)) }))],
            "spec": .object(spec),
            "status": ["allocatable": ["cpu": .string(cpu), "memory": .string(memory), "pods": .int(pods)],
                       "conditions": .array(conditions)],
        ]
    }

    static func taint(_ key: String, _ value: String = "", effect: String = "NoSchedule") -> JSON {
        ["key": .string(key), "value": .string(value), "effect": .string(effect)]
    }

    static func pod(_ name: String, namespace: String = "default", node: String? = nil, cpu: String? = nil,
                    memory: String? = nil, labels: [String: String] = [:], priority: Int64? = nil,
                    created: String? = nil, phase: String? = nil, spec extra: JSONObject = [:],
                    containers: [JSON]? = nil) -> JSON {
        var requests: JSONObject = [:]
        if let cpu { requests["cpu"] = .string(cpu) }
        if let memory { requests["memory"] = .string(memory) }
        var spec: JSONObject = [
            "containers": .array(containers ?? [["name": "c", "image": "busybox", "resources": ["requests": .object(requests)]]]),
        ]
        if let node { spec["nodeName"] = .string(node) }
        if let priority { spec["priority"] = .int(priority) }
        for (k, v) in extra { spec[k] = v }
        var metadata: JSONObject = ["name": .string(name), "namespace": .string(namespace), "uid": .string("uid-" + name)]
        if !labels.isEmpty { metadata["labels"] = .object(JSONObject(uniqueKeysWithValues: labels.map { ($0.key, JSON.string($0.value)) })) }
        if let created { metadata["creationTimestamp"] = .string(created) }
        var pod: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": .object(spec)]
        if let phase { pod["status"] = ["phase": .string(phase)] }
        return pod
    }

    static func podInfo(_ name: String, namespace: String = "default", node: String? = nil, cpu: String? = nil,
                        memory: String? = nil, labels: [String: String] = [:], priority: Int64? = nil,
                        created: String? = nil, spec: JSONObject = [:]) -> PodInfo {
        PodInfo(json: pod(name, namespace: namespace, node: node, cpu: cpu, memory: memory, labels: labels,
                          priority: priority, created: created, spec: spec))
    }

    static func nodeInfo(_ json: JSON, pods: [JSON] = []) -> NodeInfo {
        var snapshot = ClusterSnapshot(nodes: [json], pods: pods)
        _ = snapshot.nodeCount
        return snapshot.node(named: json[path: ["metadata", "name"]].stringValue!)!
    }

    static func hostPortContainer(_ port: Int64, ip: String? = nil, proto: String? = nil) -> JSON {
        var p: JSONObject = ["containerPort": 80, "hostPort": .int(port)]
        if let ip { p["hostIP"] = .string(ip) }
        if let proto { p["protocol"] = .string(proto) }
        return ["name": "c", "image": "busybox", "ports": [.object(p)]]
    }

    static func affinityTerm(_ labels: [String: String], topologyKey: String = "kubernetes.io/hostname",
                             namespaces: [String]? = nil) -> JSON {
        var term: JSONObject = [
            "labelSelector": ["matchLabels": .object(JSONObject(uniqueKeysWithValues: labels.map { ($0.key, JSON.string($0.value)) }))],
            "topologyKey": .string(topologyKey),
        ]
        if let namespaces { term["namespaces"] = .array(namespaces.map(JSON.string)) }
        return .object(term)
    }
}
