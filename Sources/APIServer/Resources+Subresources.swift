import KubeAPI
import KubeStore
import NIOHTTP1

extension APIServer {
    /// `scale` for deployments, replicasets, statefulsets and replicationcontrollers (autoscaling/v1 Scale).
    func scale(_ context: RequestContext, _ target: ResourceTarget) async throws -> Int {
        let name = try target.requireName()
        let def = target.definition
        switch context.info.verb {
        case "get":
            guard let kv = try await store.get(target.key(name: name)) else { throw target.notFound(name) }
            try await context.send(json: try APIServer.scaleObject(of: Objects.decode(kv), def: def))
            return 200
        case "update", "patch":
            let options = try WriteOptions(context)
            let media = (context.contentType ?? "application/json").split(separator: ";").first.map { $0.trimmedSpaces.lowercased() } ?? ""
            let isPatch = context.info.verb == "patch"
            let body: JSON
            if isPatch {
                guard ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"].contains(media) else {
                    throw StatusError.unsupportedMediaType(media)
                }
                body = try Codec.decodeJSON(context.body)
            } else {
                (body, _) = try decodeObject(context, target, options: options)
            }
            var scaleTarget = target
            scaleTarget.subresource = ""
            let stored = try await guaranteedUpdate(scaleTarget, name: name, options: options, operation: "Update") { current in
                let scale = try APIServer.scaleObject(of: current, def: def)
                var desired: JSON
                if isPatch {
                    desired = try APIServer.applyPatch(body, media: media, to: scale, schema: nil)
                } else {
                    desired = body
                }
                guard let replicas = desired["spec"]["replicas"].intValue ?? (desired["spec"]["replicas"].isNull ? 0 : nil) else {
                    throw StatusError.invalid(kind: "Scale", group: "autoscaling", name: name, causes: [
                        StatusCause(reason: "FieldValueInvalid", message: "Invalid value: \(desired["spec"]["replicas"].jsonString): must be an integer", field: "spec.replicas"),
                    ])
                }
                if replicas < 0 {
                    throw StatusError.invalid(kind: "Scale", group: "autoscaling", name: name, causes: [
                        StatusCause(reason: "FieldValueInvalid", message: "Invalid value: \(replicas): must be greater than or equal to 0", field: "spec.replicas"),
                    ])
                }
                var updated = current
                if let pinned = desired["metadata"]["resourceVersion"].stringValue, !pinned.isEmpty {
                    updated["metadata"]["resourceVersion"] = .string(pinned)
                }
                updated["spec"]["replicas"] = .int(replicas)
                return updated
            }
            try await context.send(json: try APIServer.scaleObject(of: Objects.decode(stored), def: def))
            return 200
        default:
            throw StatusError.methodNotSupported("\(def.plural)/scale", verb: context.info.verb)
        }
    }

    static func scaleObject(of object: JSON, def: ResourceDefinition) throws(StatusError) -> JSON {
        var meta: JSONObject = [:]
        for key in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
            let v = object["metadata"][key]
            if !v.isNull { meta[key] = v }
        }
        var selector = ""
        let raw = object["spec"]["selector"]
        if def.plural == "replicationcontrollers", case .object(let map) = raw {
            selector = map.map { "\($0.key)=\($0.value.stringValue ?? "")" }.sorted().joined(separator: ",")
        } else if case .object = raw, let parsed = try? LabelSelector(labelSelectorJSON: raw) {
            selector = parsed.description
        }
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": .object(meta),
            "spec": ["replicas": .int(object["spec"]["replicas"].intValue ?? 1)],
            "status": ["replicas": .int(object["status"]["replicas"].intValue ?? 0), "selector": .string(selector)],
        ]
    }

    /// `pods/<name>/binding`: the scheduler's assignment of a pod to a node.
    func bind(_ context: RequestContext, _ target: ResourceTarget) async throws -> Int {
        let name = try target.requireName()
        let body = try Codec.decodeBody(context.body, contentType: context.contentType)
        guard let node = body["target"]["name"].stringValue, !node.isEmpty else {
            throw StatusError.invalid(kind: "Binding", name: name, causes: [
                StatusCause(reason: "FieldValueRequired", message: "Required value", field: "target.name"),
            ])
        }
        let options = try WriteOptions(context)
        var podTarget = target
        podTarget.subresource = ""
        // Binding is the one sanctioned change of spec.nodeName, which pod update validation forbids.
        _ = try await guaranteedUpdate(podTarget, name: name, options: options, operation: "Update", admit: false) { current throws(StatusError) in
            if let existing = current["spec"]["nodeName"].stringValue, !existing.isEmpty {
                throw StatusError.conflict("pods", name: name, reason: "pod \(name) is already assigned to node \"\(existing)\"")
            }
            if !current["metadata"]["deletionTimestamp"].isNull {
                throw StatusError.conflict("pods", name: name, reason: "pod \(name) is being deleted, cannot be assigned to a host")
            }
            var pod = current
            pod["spec"]["nodeName"] = .string(node)
            return pod
        }
        try await context.send(json: ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201], status: .created)
        return 201
    }
}
