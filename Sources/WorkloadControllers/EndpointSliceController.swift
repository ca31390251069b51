import FoundationEssentials
import KubeAPI

/// The EndpointSlice controller (upstream pkg/controller/endpointslice): IPv4 slices of at most
/// `maxEndpointsPerSlice` endpoints per Service with a selector, one port list per slice, updated in
/// place so that a change of one pod rewrites one slice.
public enum EndpointSliceController {
    public static let defaultMaxEndpointsPerSlice = 100
    static let zoneLabel = "topology.kubernetes.io/zone"

    /// - Parameters:
    ///   - service: the Service (slices of a deleted Service go with it through their ownerReference).
    ///   - pods: pods of the Service's namespace (the selector is applied here).
    ///   - existingSlices: EndpointSlices of the namespace; only this Service's managed ones are used.
    ///   - nodes: nodes, to fill each endpoint's `zone`; may be empty.
    ///   - triggerTime: when the change being reconciled happened; derived from the objects when nil.
    /// - Returns: creates (with generateName), updates and deletes of slices, or a Warning event for
    ///   a malformed Service.
    public static func sync(service: JSON, pods: [JSON], existingSlices: [JSON], nodes: [JSON] = [],
                            triggerTime: Date? = nil, maxEndpointsPerSlice: Int = defaultMaxEndpointsPerSlice) -> [ControllerAction] {
        guard !Meta.isDeleting(service) else { return [] }
        let view: ServiceView
        do { view = try ServiceView(service) } catch {
            return [.warning(service, reason: "FailedToUpdateEndpointSlices",
                             message: "Error updating Endpoint Slices for Service \(Meta.namespace(service) ?? "")/\(Meta.name(service)): \(error.message)")]
        }
        guard view.selector != nil else { return [] }
        let perSlice = max(1, maxEndpointsPerSlice)
        let selected = view.selectedPods(pods)
        var builder = SliceBuilder(service: view, triggerTime: triggerTime ?? TriggerTime.derive(service: service, pods: selected))

        // What should exist: endpoints grouped by their resolved port list.
        let zones = Dictionary(nodes.map { (Meta.name($0), Meta.labels($0)[zoneLabel]) }, uniquingKeysWith: { a, _ in a })
        var desired: [String: [(key: String, endpoint: JSON)]] = [:]
        var portsOfGroup: [String: [JSON]] = [:]
        for pod in selected.sorted(by: { Meta.name($0) < Meta.name($1) }) {
            guard !PodState.isFinished(pod), let ip = PodAddress.ipv4(pod) else { continue }
            let ports = endpointPorts(view, pod)
            let group = portsKey(ports)
            portsOfGroup[group] = ports
            desired[group, default: []].append((Meta.uid(pod).isEmpty ? ip : Meta.uid(pod), endpoint(view, pod, ip: ip, zones: zones)))
        }

        var actions: [ControllerAction] = []
        var byGroup: [String: [JSON]] = [:]
        let managed = existingSlices.filter { slice in
            Meta.namespace(slice) == view.namespace && Meta.labels(slice)[EndpointLabels.serviceName] == view.name
                && Meta.labels(slice)[EndpointLabels.managedBy] == EndpointLabels.controllerName
        }.sorted { Meta.name($0) < Meta.name($1) }
        for slice in managed {
            if slice["addressType"].stringValue != "IPv4" { actions.append(builder.delete(slice)); continue }
            byGroup[portsKey(slice["ports"].arrayValue ?? []), default: []].append(slice)
        }

        if desired.isEmpty {
            // No endpoints: one empty placeholder slice stays, as upstream keeps for every Service.
            let all = byGroup.keys.sorted().flatMap { byGroup[$0]! }
            if let keep = all.first(where: { ($0["endpoints"].arrayValue ?? []).isEmpty && ($0["ports"].arrayValue ?? []).isEmpty }) ?? all.first {
                if let update = builder.update(keep, endpoints: [], ports: []) { actions.append(update) }
                actions += all.filter { $0 != keep }.map(builder.delete)
            } else {
                actions.append(builder.create(endpoints: [], ports: []))
            }
            return actions
        }

        for group in byGroup.keys.sorted() where desired[group] == nil {
            actions += byGroup[group]!.map(builder.delete)
        }
        for group in desired.keys.sorted() {
            actions += reconcileGroup(desired[group]!, ports: portsOfGroup[group]!, existing: byGroup[group] ?? [],
                                      perSlice: perSlice, builder: &builder)
        }
        return actions
    }

    /// Keeps each endpoint where it already is, fills free room, and creates slices only for the rest.
    static func reconcileGroup(_ wanted: [(key: String, endpoint: JSON)], ports: [JSON], existing: [JSON], perSlice: Int,
                               builder: inout SliceBuilder) -> [ControllerAction] {
        var pending: [String: JSON] = Dictionary(wanted.map { ($0.key, $0.endpoint) }, uniquingKeysWith: { a, _ in a })
        var order = wanted.map(\.key)
        var working: [(slice: JSON, endpoints: [JSON], changed: Bool)] = []
        for slice in existing {
            let old = slice["endpoints"].arrayValue ?? []
            var kept: [JSON] = []
            for endpoint in old {
                let key = endpoint["targetRef"]["uid"].stringValue ?? endpoint["addresses"][0].stringValue ?? ""
                guard kept.count < perSlice else { break }  // the rest is placed like new endpoints
                if let new = pending.removeValue(forKey: key) { kept.append(new) }
            }
            working.append((slice, kept, !JSON.array(kept).semanticallyEquals(.array(old))))
        }
        order.removeAll { pending[$0] == nil }
        // New endpoints go first into slices that are written anyway, then into the fullest with room.
        var overflow: [JSON] = []
        for key in order {
            let endpoint = pending[key]!
            let candidates = working.indices.filter { working[$0].endpoints.count < perSlice }
            if let index = candidates.first(where: { working[$0].changed })
                ?? candidates.max(by: { working[$0].endpoints.count < working[$1].endpoints.count }) {
                working[index].endpoints.append(endpoint)
                working[index].changed = true
            } else {
                overflow.append(endpoint)
            }
        }
        var actions: [ControllerAction] = []
        for entry in working {
            if entry.endpoints.isEmpty {
                actions.append(builder.delete(entry.slice))
            } else if let update = builder.update(entry.slice, endpoints: entry.endpoints, ports: ports, force: entry.changed) {
                actions.append(update)
            }
        }
        var start = 0
        while start < overflow.count {
            let chunk = Array(overflow[start..<min(start + perSlice, overflow.count)])
            actions.append(builder.create(endpoints: chunk, ports: ports))
            start += perSlice
        }
        return actions
    }

    /// The slice ports of a pod: one per service port whose target resolves on it.
    static func endpointPorts(_ service: ServiceView, _ pod: JSON) -> [JSON] {
        service.ports.compactMap { port -> JSON? in
            guard let number = service.resolve(port, on: pod) else { return nil }
            var p: JSONObject = ["name": .string(port.name), "protocol": .string(port.proto), "port": .int(number)]
            if let app = port.appProtocol { p["appProtocol"] = .string(app) }
            return .object(p)
        }
    }

    static func portsKey(_ ports: [JSON]) -> String {
        ports.map { port in
            "\(port["name"].stringValue ?? "")/\(port["protocol"].stringValue ?? "TCP")/\(port["port"].intValue ?? 0)/\(port["appProtocol"].stringValue ?? "")"
        }.sorted().joined(separator: ",")
    }

    static func endpoint(_ service: ServiceView, _ pod: JSON, ip: String, zones: [String: String?]) -> JSON {
        let serving = PodState.isReady(pod)
        let terminating = Meta.isDeleting(pod)
        // A terminating pod is never "ready" unless the Service publishes not-ready addresses.
        let ready = service.publishNotReadyAddresses || (serving && !terminating)
        var endpoint: JSONObject = [
            "addresses": [.string(ip)],
            "conditions": ["ready": .bool(ready), "serving": .bool(serving), "terminating": .bool(terminating)],
        ]
        if let host = PodAddress.hostname(pod, service: service) { endpoint["hostname"] = .string(host) }
        endpoint["targetRef"] = PodAddress.targetRef(pod)
        if let node = PodState.nodeName(pod) {
            endpoint["nodeName"] = .string(node)
            if let zone = zones[node] ?? nil { endpoint["zone"] = .string(zone) }
        }
        return .object(endpoint)
    }
}
