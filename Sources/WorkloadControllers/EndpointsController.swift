import FoundationEssentials
import KubeAPI

/// The Endpoints controller (upstream pkg/controller/endpoint): one `Endpoints` object per Service
/// with a selector, named like it, listing the selected pods' addresses per resolved port.
public enum EndpointsController {
    /// Upstream truncates an Endpoints object past this many addresses (and annotates it).
    public static let maxAddresses = 1000

    /// - Parameters:
    ///   - service: the Service, or nil when it was deleted (its Endpoints are then deleted).
    ///   - namespace, name: which Service (needed when `service` is nil).
    ///   - pods: pods of the namespace (the selector is applied here).
    ///   - existing: the current Endpoints object of that name, if any.
    ///   - triggerTime: when the change being reconciled happened, as the driver saw it; when nil it
    ///     is derived from the objects (latest pod readiness change or the Service's creation).
    /// - Returns: at most one create/update/delete, or a Warning event for a malformed Service.
    public static func sync(service: JSON?, namespace: String, name: String, pods: [JSON], existing: JSON?,
                            triggerTime: Date? = nil) -> [ControllerAction] {
        guard let service, !Meta.isDeleting(service) else {
            guard let existing else { return [] }
            return [.delete(.endpoints, namespace: namespace, name: name,
                            options: DeleteOptions(preconditionUID: Meta.uid(existing).isEmpty ? nil : Meta.uid(existing)))]
        }
        let view: ServiceView
        do { view = try ServiceView(service) } catch {
            return [.warning(service, reason: "FailedToUpdateEndpoint", message: "Failed to update endpoint \(namespace)/\(name): \(error.message)")]
        }
        guard view.selector != nil else { return [] }  // no selector: the user manages its Endpoints

        let selected = view.selectedPods(pods)
        let (subsets, truncated) = buildSubsets(view, pods: selected)
        let labels = view.generatedLabels

        let current = existing ?? .null
        let currentSubsets = current["subsets"].arrayValue ?? []
        let capacityOK = (current["metadata"]["annotations"][EndpointLabels.overCapacity].stringValue == "truncated") == truncated
        if existing != nil, JSON.array(currentSubsets).semanticallyEquals(.array(subsets)), Meta.labels(current) == labels, capacityOK { return [] }

        var endpoints: JSON = existing ?? [
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
        ]
        endpoints["metadata"]["labels"] = labels.isEmpty ? .null : .stringMap(labels)
        var annotations = Meta.stringMap(endpoints["metadata"]["annotations"])
        if let time = triggerTime ?? TriggerTime.derive(service: service, pods: selected) {
            annotations[EndpointLabels.triggerTime] = Timestamp.format(time)
        } else {
            annotations.removeValue(forKey: EndpointLabels.triggerTime)
        }
        if truncated { annotations[EndpointLabels.overCapacity] = "truncated" } else { annotations.removeValue(forKey: EndpointLabels.overCapacity) }
        endpoints["metadata"]["annotations"] = annotations.isEmpty ? .null : .stringMap(annotations)
        endpoints["subsets"] = subsets.isEmpty ? .null : .array(subsets)
        endpoints = dropNulls(endpoints)
        if existing == nil { return [.create(.endpoints, namespace: namespace, object: endpoints)] }
        return [.update(.endpoints, namespace: namespace, object: endpoints)]
    }

    /// Subsets grouped by identical port lists, addresses sorted, as upstream `RepackSubsets` does.
    static func buildSubsets(_ service: ServiceView, pods: [JSON]) -> (subsets: [JSON], truncated: Bool) {
        struct Entry { var address: JSON; var ip: String; var ready: Bool; var ports: [JSON] }
        var entries: [Entry] = []
        for pod in pods.sorted(by: { Meta.name($0) < Meta.name($1) }) {
            guard !PodState.isFinished(pod), let ip = PodAddress.ipv4(pod) else { continue }
            // Terminating pods are listed only when not-ready addresses are published anyway.
            if Meta.isDeleting(pod) && !service.publishNotReadyAddresses { continue }
            var address: JSONObject = ["ip": .string(ip)]
            if let host = PodAddress.hostname(pod, service: service) { address["hostname"] = .string(host) }
            if let node = PodState.nodeName(pod) { address["nodeName"] = .string(node) }
            address["targetRef"] = PodAddress.targetRef(pod)
            var ports: [JSON] = []
            for port in service.ports {
                guard let number = service.resolve(port, on: pod) else { continue }  // upstream skips unresolvable ports
                var p: JSONObject = [:]
                if !port.name.isEmpty { p["name"] = .string(port.name) }
                p["port"] = .int(number)
                p["protocol"] = .string(port.proto)
                if let app = port.appProtocol { p["appProtocol"] = .string(app) }
                ports.append(.object(p))
            }
            // A pod none of whose ports resolve is left out, unless the Service has no ports at all
            // (a headless Service lists bare addresses).
            if ports.isEmpty && !(service.ports.isEmpty && service.headless) { continue }
            entries.append(Entry(address: .object(address), ip: ip,
                                 ready: service.publishNotReadyAddresses || PodState.isReady(pod), ports: ports))
        }
        var truncated = false
        if entries.count > maxAddresses {
            // Keep ready addresses first, as upstream's truncation does.
            entries = entries.filter(\.ready) + entries.filter { !$0.ready }
            entries = Array(entries.prefix(maxAddresses))
            truncated = true
        }
        var groups: [[JSON]: (ready: [Entry], notReady: [Entry])] = [:]
        for entry in entries {
            let key = entry.ports.sorted { $0.jsonString < $1.jsonString }
            if entry.ready { groups[key, default: ([], [])].ready.append(entry) } else { groups[key, default: ([], [])].notReady.append(entry) }
        }
        let byIP: (Entry, Entry) -> Bool = { a, b in
            a.ip == b.ip ? a.address["targetRef"]["uid"].stringValue ?? "" < b.address["targetRef"]["uid"].stringValue ?? "" : ipLess(a.ip, b.ip)
        }
        let subsets: [JSON] = groups.keys.sorted { $0.map(\.jsonString).joined() < $1.map(\.jsonString).joined() }.map { ports in
            let group = groups[ports]!
            var subset: JSONObject = [:]
            if !group.ready.isEmpty { subset["addresses"] = .array(group.ready.sorted(by: byIP).map(\.address)) }
            if !group.notReady.isEmpty { subset["notReadyAddresses"] = .array(group.notReady.sorted(by: byIP).map(\.address)) }
            if !ports.isEmpty { subset["ports"] = .array(ports) }
            return .object(subset)
        }
        return (subsets, truncated)
    }

    /// Numeric order of dotted IPv4 addresses.
    static func ipLess(_ a: String, _ b: String) -> Bool {
        let pa = a.split(separator: ".").compactMap { Int($0) }
        let pb = b.split(separator: ".").compactMap { Int($0) }
        return pa.lexicographicallyPrecedes(pb)
    }

    static func dropNulls(_ object: JSON) -> JSON {
        guard case .object(var o) = object else { return object }
        for (key, value) in o where value.isNull { o.removeValue(forKey: key) }
        if case .object(var meta) = o["metadata"] ?? .null {
            for (key, value) in meta where value.isNull { meta.removeValue(forKey: key) }
            o["metadata"] = .object(meta)
        }
        return .object(o)
    }
}
