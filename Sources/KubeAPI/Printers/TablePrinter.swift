import FoundationEssentials

/// What a Table row carries besides its cells (`?includeObject=`), `Metadata` by default.
public enum IncludeObject: String, Sendable, CaseIterable {
    case none = "None"
    case metadata = "Metadata"
    case object = "Object"

    /// Parses the `includeObject` query parameter; absent or empty means `Metadata`.
    public static func parse(_ value: String?) throws(StatusError) -> IncludeObject {
        guard let value, !value.isEmpty else { return .metadata }
        guard let parsed = IncludeObject(rawValue: value) else {
            throw .badRequest("unrecognized includeObject value: \"\(value)\"")
        }
        return parsed
    }
}

/// Server-side printing of `meta.k8s.io/v1` Tables, following upstream
/// `pkg/printers/internalversion/printers.go`. The server always prints the wide columns
/// (priority 1); kubectl shows them only with `-o wide`.
public enum TablePrinter {
    /// The `columnDefinitions` for a resource: objects with name, type, format, description, priority.
    public static func columns(for resource: ResourceDefinition) -> [JSON] {
        printer(for: resource).columns.map(\.json)
    }

    /// The cells of one object's row, one per column of `columns(for:)`.
    public static func row(for resource: ResourceDefinition, object: JSON, now: Date) -> [JSON] {
        printer(for: resource).cells(object, now)
    }

    /// A whole `Table` for a list (or a single object, or one watch event).
    /// - Parameters:
    ///   - includeObject: what each row's `object` holds: null, a `PartialObjectMetadata`, or the object.
    ///   - withColumns: false for watch events after the first, which carry `columnDefinitions: null`
    ///     as upstream does, so kubectl keeps its header.
    public static func table(
        for resource: ResourceDefinition, objects: [JSON], includeObject: IncludeObject,
        resourceVersion: String, continueToken: String?, remainingItemCount: Int?, withColumns: Bool, now: Date
    ) -> JSON {
        let printer = printer(for: resource)
        var metadata: JSONObject = ["resourceVersion": .string(resourceVersion)]
        if let continueToken, !continueToken.isEmpty { metadata["continue"] = .string(continueToken) }
        if let remainingItemCount { metadata["remainingItemCount"] = .int(Int64(remainingItemCount)) }

        let rows: [JSON] = objects.map { object in
            var row: JSONObject = ["cells": .array(printer.cells(object, now))]
            if let conditions = printer.conditions?(object) { row["conditions"] = .array(conditions) }
            switch includeObject {
            case .none: row["object"] = .null
            case .metadata:
                row["object"] = [
                    "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                    "metadata": object["metadata"].objectValue.map(JSON.object) ?? .object([:]),
                ]
            case .object: row["object"] = object
            }
            return .object(row)
        }
        return [
            "kind": "Table",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": .object(metadata),
            "columnDefinitions": withColumns ? .array(printer.columns.map(\.json)) : .null,
            "rows": .array(rows),
        ]
    }

    /// The printer of a resource: a dedicated one for the kinds upstream prints specially, else
    /// `Name, Age` (what upstream's default table convertor prints for kinds without a printer).
    static func printer(for resource: ResourceDefinition) -> KindPrinter {
        printers["\(resource.group)/\(resource.kind)"] ?? .default
    }

    static let printers: [String: KindPrinter] = [
        "/Pod": .pod,
        "/Service": .service,
        "/Endpoints": .endpoints,
        "discovery.k8s.io/EndpointSlice": .endpointSlice,
        "/Node": .node,
        "/Namespace": .namespace,
        "/Event": .event,
        "events.k8s.io/Event": .event,
        "/ConfigMap": .configMap,
        "/Secret": .secret,
        "/ServiceAccount": .serviceAccount,
        "/ReplicationController": .replicationController,
        "/PersistentVolume": .persistentVolume,
        "/PersistentVolumeClaim": .persistentVolumeClaim,
        "apps/Deployment": .deployment,
        "apps/ReplicaSet": .replicaSet,
        "apps/StatefulSet": .statefulSet,
        "apps/DaemonSet": .daemonSet,
        "batch/Job": .job,
        "batch/CronJob": .cronJob,
        "coordination.k8s.io/Lease": .lease,
    ]
}

/// One column definition of a Table.
struct PrinterColumn: Sendable {
    var name: String
    var type: String
    var format: String = ""
    var description: String
    var priority: Int = 0

    var json: JSON {
        [
            "name": .string(name), "type": .string(type), "format": .string(format),
            "description": .string(description), "priority": .int(Int64(priority)),
        ]
    }

    static let name = PrinterColumn(
        name: "Name", type: "string", format: "name",
        description: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
    )
    static let age = PrinterColumn(
        name: "Age", type: "string",
        description: "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
    )
    static let containers = PrinterColumn(
        name: "Containers", type: "string", description: "Names of each container in the template.", priority: 1)
    static let images = PrinterColumn(
        name: "Images", type: "string", description: "Images referenced by each container in the template.", priority: 1)
    static func selector(_ description: String = "A label query over pods that should match the replica count.") -> PrinterColumn {
        PrinterColumn(name: "Selector", type: "string", description: description, priority: 1)
    }
}

/// Columns and the functions producing a row's cells (and, for pods, row conditions).
struct KindPrinter: Sendable {
    var columns: [PrinterColumn]
    var cells: @Sendable (JSON, Date) -> [JSON]
    var conditions: (@Sendable (JSON) -> [JSON]?)? = nil

    static let `default` = KindPrinter(columns: [.name, .age]) { object, now in
        [PrinterCell.name(object), PrinterCell.age(object, now)]
    }
}

/// Helpers reading common cell values out of objects.
enum PrinterCell {
    static func name(_ object: JSON) -> JSON { .string(object[path: ["metadata", "name"]].stringValue ?? "") }

    static func age(_ object: JSON, _ now: Date) -> JSON {
        .string(HumanDuration.since(object[path: ["metadata", "creationTimestamp"]], now: now))
    }

    static func int(_ value: JSON) -> Int64 { value.intValue ?? 0 }

    static func string(_ value: JSON) -> String { value.stringValue ?? "" }

    static func array(_ value: JSON) -> [JSON] { value.arrayValue ?? [] }

    /// `name1,name2` and `image1,image2` of a pod template's containers (upstream `layoutContainerCells`).
    static func containersAndImages(_ podSpec: JSON) -> (JSON, JSON) {
        let containers = array(podSpec["containers"])
        let names = containers.map { string($0["name"]) }.joined(separator: ",")
        let images = containers.map { string($0["image"]) }.joined(separator: ",")
        return (.string(names), .string(images))
    }

    /// A `map[string]string` as `k=v,k2=v2` sorted by key, `<none>` when empty (upstream `labels.FormatLabels`).
    static func formatLabels(_ value: JSON) -> String {
        guard let map = value.objectValue, !map.isEmpty else { return "<none>" }
        return map.keys.sorted().map { "\($0)=\(map[$0]?.stringValue ?? "")" }.joined(separator: ",")
    }

    /// A `metav1.LabelSelector` in selector syntax (upstream `LabelSelectorAsSelector(...).String()`):
    /// match labels and expressions sorted by key; `<none>` for an absent selector.
    static func labelSelector(_ value: JSON) -> String {
        guard value.objectValue != nil else { return "<none>" }
        var requirements: [(String, String)] = []
        for (key, v) in value["matchLabels"].objectValue ?? [:] {
            requirements.append((key, "\(key)=\(v.stringValue ?? "")"))
        }
        for expression in array(value["matchExpressions"]) {
            let key = string(expression["key"])
            let values = array(expression["values"]).compactMap(\.stringValue).sorted()
            switch string(expression["operator"]) {
            case "In": requirements.append((key, "\(key) in (\(values.joined(separator: ",")))"))
            case "NotIn": requirements.append((key, "\(key) notin (\(values.joined(separator: ",")))"))
            case "Exists": requirements.append((key, key))
            case "DoesNotExist": requirements.append((key, "!\(key)"))
            default: continue
            }
        }
        return requirements.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: ",")
    }
}
