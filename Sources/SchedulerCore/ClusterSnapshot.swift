import KubeAPI

/// The scheduler's view of the cluster: nodes with what their assigned pods use, kept up to date
/// incrementally from informer events (`upsertNode`, `upsertPod`, `removePod`, ...), never rebuilt.
///
/// Pods count against a node when `spec.nodeName` is set and they are not terminal (Succeeded or
/// Failed). A pod may arrive before its node; its usage is kept and shows once the node exists.
public struct ClusterSnapshot: Sendable {
    /// Every node name with accounting, including placeholders for nodes not (yet) seen.
    private(set) var infos: [String: NodeInfo] = [:]
    /// Names of existing nodes in the order they were first seen; the scheduler walks this order.
    public private(set) var nodeNames: [String] = []
    private var nodeIndex: [String: Int] = [:]
    /// Assigned, non-terminal pods by key: the same records the nodes hold (one copy of each
    /// pod's model, however many maps refer to it).
    private(set) var pods: [String: PodRecord] = [:]
    /// Keys of assigned pods declaring any pod (anti-)affinity, so the affinity checks scan only them.
    private(set) var podsWithAffinity: Set<String> = []
    /// Namespace labels, for affinity terms with a `namespaceSelector`.
    public private(set) var namespaceLabels: [String: [String: String]] = [:]

    public init() {}

    /// Builds a snapshot from lists of nodes and pods (unassigned and terminal pods are skipped).
    public init(nodes: [JSON], pods: [JSON]) {
        for node in nodes { upsertNode(node) }
        for pod in pods { upsertPod(pod) }
    }

    /// The number of existing nodes.
    public var nodeCount: Int { nodeNames.count }

    /// The node with its accounting, when its object exists.
    public func node(named name: String) -> NodeInfo? {
        guard let info = infos[name], info.exists else { return nil }
        return info
    }

    /// An assigned pod by `namespace/name`.
    public func pod(key: String) -> PodInfo? { pods[key]?.info }

    /// All assigned pods (order unspecified).
    public var assignedPods: [PodInfo] { pods.values.map(\.info) }

    /// Adds or replaces a node from its object; its pod accounting is kept.
    public mutating func upsertNode(_ json: JSON) {
        upsertNode(NodeInfo(json: json))
    }

    /// Adds or replaces a node; its pod accounting is kept.
    public mutating func upsertNode(_ node: NodeInfo) {
        guard !node.name.isEmpty else { return }
        var info = node
        if let old = infos[node.name] { info.takeAccounting(from: old) }
        info.exists = true
        infos[node.name] = info
        if nodeIndex[node.name] == nil {
            nodeIndex[node.name] = nodeNames.count
            nodeNames.append(node.name)
        }
    }

    /// Removes a node; pods still bound to it keep a placeholder until they go.
    public mutating func removeNode(named name: String) {
        guard let index = nodeIndex.removeValue(forKey: name) else { return }
        nodeNames.remove(at: index)
        for i in index..<nodeNames.count { nodeIndex[nodeNames[i]] = i }
        if var info = infos[name] {
            info.exists = false
            infos[name] = info.pods.isEmpty ? nil : info
        }
    }

    /// Applies a pod add or update: an assigned, non-terminal pod is (re)accounted on its node;
    /// otherwise any previous accounting for it is removed.
    public mutating func upsertPod(_ json: JSON) {
        upsertPod(PodInfo(json: json))
    }

    /// Same as `upsertPod(_:)` with an already parsed pod.
    public mutating func upsertPod(_ pod: PodInfo) {
        removePod(key: pod.key)
        guard !pod.nodeName.isEmpty, !pod.isTerminal, !pod.name.isEmpty else { return }
        var pod = pod
        pod.dropPlacementInputs()
        let record = PodRecord(pod)
        pods[pod.key] = record
        if pod.hasPodAffinity { podsWithAffinity.insert(pod.key) }
        infos[pod.nodeName, default: NodeInfo(name: pod.nodeName)].add(record)
    }

    /// Records a pod the scheduler just bound (before the informer reports it), so the next
    /// decision already sees its usage. The later informer update replaces it.
    public mutating func assume(_ pod: PodInfo, on nodeName: String) {
        var bound = pod
        bound.nodeName = nodeName
        upsertPod(bound)
    }

    /// Applies a pod deletion.
    public mutating func removePod(namespace: String, name: String) {
        removePod(key: namespace + "/" + name)
    }

    /// Applies a pod deletion by `namespace/name`.
    public mutating func removePod(key: String) {
        guard let old = pods.removeValue(forKey: key)?.info else { return }
        podsWithAffinity.remove(key)
        guard var info = infos[old.nodeName] else { return }
        info.remove(old)
        infos[old.nodeName] = (!info.exists && info.pods.isEmpty) ? nil : info
    }

    /// Records a namespace's labels (only needed for affinity terms with a `namespaceSelector`).
    public mutating func upsertNamespace(_ json: JSON) {
        guard let name = json[path: ["metadata", "name"]].stringValue else { return }
        var labels: [String: String] = [:]
        if case .object(let object) = json[path: ["metadata", "labels"]] {
            for (key, value) in object { if let s = value.stringValue { labels[key] = s } }
        }
        namespaceLabels[name] = labels
    }

    public mutating func removeNamespace(named name: String) {
        namespaceLabels[name] = nil
    }

    /// Nodes by position in `nodeNames`.
    func node(at index: Int) -> NodeInfo { infos[nodeNames[index]]! }

    /// Calls `body` with each existing node's labels and each pod assigned to it; the affinity
    /// scans go node by node so node labels are looked up once per node, not once per pod.
    func forEachAssignedPod(_ body: (_ nodeLabels: [String: String], _ pod: PodRecord) -> Void) {
        for name in nodeNames {
            guard let info = infos[name] else { continue }
            let labels = info.labels
            for record in info.pods.values { body(labels, record) }
        }
    }

    /// Node labels for a node name, including placeholders (which have none).
    func labels(ofNode name: String) -> [String: String]? { infos[name]?.exists == true ? infos[name]!.labels : nil }
}
