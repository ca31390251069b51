import FoundationEssentials
import KubeAPI

/// Writes EndpointSlices of one Service with the labels, owner and trigger-time annotation upstream sets.
struct SliceBuilder {
    var service: ServiceView
    var triggerTime: Date?

    var labels: [String: String] {
        var labels = service.generatedLabels
        labels[EndpointLabels.serviceName] = service.name
        labels[EndpointLabels.managedBy] = EndpointLabels.controllerName
        return labels
    }

    var ownerReferences: JSON {
        let uid = Meta.uid(service.object)
        guard !uid.isEmpty else { return .null }
        return [["apiVersion": "v1", "kind": "Service", "name": .string(service.name), "uid": .string(uid),
                 "controller": true, "blockOwnerDeletion": true]]
    }

    func create(endpoints: [JSON], ports: [JSON]) -> ControllerAction {
        var metadata: JSONObject = ["generateName": .string("\(service.name)-"), "namespace": .string(service.namespace),
                                    "labels": .stringMap(labels)]
        if let time = triggerTime { metadata["annotations"] = [EndpointLabels.triggerTime: .string(Timestamp.format(time))] }
        if !ownerReferences.isNull { metadata["ownerReferences"] = ownerReferences }
        var slice: JSONObject = ["apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": .object(metadata),
                                 "addressType": "IPv4", "endpoints": .array(endpoints)]
        if !ports.isEmpty { slice["ports"] = .array(ports) }
        return .create(.endpointSlices, namespace: service.namespace, object: .object(slice))
    }

    /// An update when the slice's content, labels or owner differ (or `force`); nil when it is current.
    func update(_ slice: JSON, endpoints: [JSON], ports: [JSON], force: Bool = false) -> ControllerAction? {
        var updated = slice
        updated["endpoints"] = .array(endpoints)
        if ports.isEmpty {
            if case .object(var o) = updated { o.removeValue(forKey: "ports"); updated = .object(o) }
        } else {
            updated["ports"] = .array(ports)
        }
        updated["metadata"]["labels"] = .stringMap(labels)
        if !ownerReferences.isNull { updated["metadata"]["ownerReferences"] = ownerReferences }
        let contentChanged = force || !(slice["endpoints"].isNull && endpoints.isEmpty) && !slice["endpoints"].semanticallyEquals(updated["endpoints"])
            || !slice["ports"].semanticallyEquals(updated["ports"])
        guard contentChanged || Meta.labels(slice) != labels
            || !slice["metadata"]["ownerReferences"].semanticallyEquals(updated["metadata"]["ownerReferences"]) else { return nil }
        if contentChanged, let time = triggerTime {
            updated["metadata"]["annotations"][EndpointLabels.triggerTime] = .string(Timestamp.format(time))
        }
        return .update(.endpointSlices, namespace: service.namespace, object: updated)
    }

    func delete(_ slice: JSON) -> ControllerAction {
        let uid = Meta.uid(slice)
        return .delete(.endpointSlices, namespace: service.namespace, name: Meta.name(slice),
                       options: DeleteOptions(preconditionUID: uid.isEmpty ? nil : uid))
    }
}
