import KubeAPI

/// Which nodes run a daemon pod, and the pod made for a node.
extension DaemonSetSpec {
    /// Upstream's `NodeShouldRunDaemonPod`: `shouldRun` when a new pod fits the node;
    /// `shouldContinueRunning` when an existing pod may stay (a NoSchedule taint added later does
    /// not evict, an untolerated NoExecute taint does).
    func eligibility(of node: JSON) -> (shouldRun: Bool, shouldContinueRunning: Bool) {
        let podSpec = podSpec(forNode: nil)
        let nodeName = SetsSupport.name(node)
        if let pinned = template[path: ["spec", "nodeName"]].stringValue, !pinned.isEmpty, pinned != nodeName {
            return (false, false)
        }
        if !SetsSupport.matchesNodeSelectorAndAffinity(podSpec: podSpec, node: node) { return (false, false) }
        let tolerations = podSpec["tolerations"].arrayValue ?? []
        if !SetsSupport.untoleratedTaints(node: node, tolerations: tolerations, effects: ["NoExecute"]).isEmpty {
            return (false, false)
        }
        if !SetsSupport.untoleratedTaints(node: node, tolerations: tolerations, effects: ["NoSchedule"]).isEmpty {
            return (false, true)
        }
        return (true, true)
    }

    /// The template's pod spec with the default daemon tolerations added and, for a node, the
    /// required node affinity replaced by `matchFields metadata.name In [node]` (upstream
    /// `ReplaceDaemonSetPodNodeNameNodeAffinity`: the node already passed the other terms).
    func podSpec(forNode nodeName: String?) -> JSON {
        var spec = template["spec"]
        if spec.isNull { spec = [:] }
        var tolerations = spec["tolerations"].arrayValue ?? []
        for toleration in DaemonSetController.defaultTolerations(hostNetwork: spec["hostNetwork"].boolValue == true)
        where !tolerations.contains(toleration) {
            tolerations.append(toleration)
        }
        spec["tolerations"] = .array(tolerations)
        if let nodeName {
            let term: JSON = ["matchFields": [["key": "metadata.name", "operator": "In", "values": [.string(nodeName)]]]]
            var affinity = spec["affinity"]
            if affinity.isNull { affinity = [:] }
            var nodeAffinity = affinity["nodeAffinity"]
            if nodeAffinity.isNull { nodeAffinity = [:] }
            var required = nodeAffinity["requiredDuringSchedulingIgnoredDuringExecution"]
            if required.isNull { required = [:] }
            required["nodeSelectorTerms"] = [term]
            nodeAffinity["requiredDuringSchedulingIgnoredDuringExecution"] = required
            affinity["nodeAffinity"] = nodeAffinity
            spec["affinity"] = affinity
        }
        return spec
    }

    /// A pod for `nodeName` (named by the apiserver from `generateName`).
    func newPod(nodeName: String, hash: String, owner: JSON) -> JSON {
        var metadata = template["metadata"].objectValue ?? [:]
        metadata.removeValue(forKey: "creationTimestamp")
        metadata.removeValue(forKey: "name")
        metadata["generateName"] = .string("\(name)-")
        metadata["namespace"] = .string(namespace)
        var labels = metadata["labels"]?.objectValue ?? [:]
        if let templateGeneration { labels[DaemonSetController.templateGenerationLabel] = .string(templateGeneration) }
        labels[DaemonSetController.revisionLabel] = .string(hash)
        metadata["labels"] = .object(labels)
        metadata["ownerReferences"] = [
            SetsSupport.ownerReference(to: owner, apiVersion: "apps/v1", kind: "DaemonSet", controller: true),
        ]
        return ["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": podSpec(forNode: nodeName)]
    }

    /// Upstream `IsPodUpdated`: the pod carries the update hash or the current template generation.
    func isUpdated(_ pod: JSON, hash: String) -> Bool {
        let labels = SetsSupport.labels(pod)
        if !hash.isEmpty, labels[DaemonSetController.revisionLabel] == hash { return true }
        if let templateGeneration, labels[DaemonSetController.templateGenerationLabel] == templateGeneration { return true }
        return false
    }
}

extension DaemonSetController {
    /// The node a daemon pod is for: `spec.nodeName` once bound, else the single
    /// `matchFields metadata.name In [node]` term the controller wrote (upstream `GetTargetNodeName`).
    static func targetNode(of pod: JSON) -> String? {
        if let nodeName = pod[path: ["spec", "nodeName"]].stringValue, !nodeName.isEmpty { return nodeName }
        let terms = pod[path: ["spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                               "nodeSelectorTerms"]].arrayValue ?? []
        for term in terms {
            for field in term["matchFields"].arrayValue ?? []
            where field["key"].stringValue == "metadata.name" && field["operator"].stringValue == "In" {
                let values = field["values"].arrayValue ?? []
                if values.count == 1, let node = values[0].stringValue { return node }
            }
        }
        return nil
    }
}
