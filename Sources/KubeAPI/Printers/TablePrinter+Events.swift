import Foundation

extension KindPrinter {
    /// Events (core v1 and `events.k8s.io/v1`, whose fields are read under their new names when the
    /// old ones are absent, since upstream prints both through the same internal type).
    static let event = KindPrinter(
        columns: [
            Column(name: "Last Seen", type: "string", description: "The time at which the most recent occurrence of this event was recorded."),
            Column(name: "Type", type: "string", description: "Type of this event (Normal, Warning), new types could be added in the future"),
            Column(name: "Reason", type: "string", description: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
            Column(name: "Object", type: "string", description: "The object that this event is about."),
            Column(name: "Subobject", type: "string", description: "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].", priority: 1),
            Column(name: "Source", type: "string", description: "The component reporting this event. Should be a short machine understandable string.", priority: 1),
            Column(name: "Message", type: "string", description: "A human-readable description of the status of this operation."),
            Column(name: "First Seen", type: "string", description: "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", priority: 1),
            Column(name: "Count", type: "string", description: "The number of times this event has occurred.", priority: 1),
            Column(name: "Name", type: "string", format: "name", description: Column.name.description, priority: 1),
        ],
        cells: { ev, now in
            func field(_ old: String, _ new: String) -> JSON { ev[old].isNull ? ev[new] : ev[old] }
            let involved = field("involvedObject", "regarding")
            let firstStamp = field("firstTimestamp", "deprecatedFirstTimestamp")
            let lastStamp = field("lastTimestamp", "deprecatedLastTimestamp")

            let first = isSet(firstStamp) ? HumanDuration.since(firstStamp, now: now) : HumanDuration.since(ev["eventTime"], now: now)
            var last = isSet(lastStamp) ? HumanDuration.since(lastStamp, now: now) : first
            var count = Cell.int(field("count", "deprecatedCount"))
            if !ev["series"].isNull {
                last = HumanDuration.since(ev[path: ["series", "lastObservedTime"]], now: now)
                count = Cell.int(ev[path: ["series", "count"]])
            } else if count == 0 {
                count = 1  // singleton events of the new API carry no count
            }

            let kind = Cell.string(involved["kind"]).lowercased()
            let name = Cell.string(involved["name"])
            let source = field("source", "deprecatedSource")
            let component = firstNonEmpty(Cell.string(source["component"]), Cell.string(ev["reportingController"]))
            let instance = firstNonEmpty(Cell.string(source["host"]), Cell.string(ev["reportingInstance"]))
            var sourceText = ""
            if !component.isEmpty || !instance.isEmpty {
                sourceText = instance.isEmpty ? component : "\(component), \(instance)"
            }
            let message = Cell.string(field("message", "note")).trimmingCharacters(in: .whitespacesAndNewlines)
            return [
                .string(last), .string(Cell.string(ev["type"])), .string(Cell.string(ev["reason"])),
                .string(name.isEmpty ? kind : "\(kind)/\(name)"), .string(Cell.string(involved["fieldPath"])),
                .string(sourceText), .string(message), .string(first), .int(count), Cell.name(ev),
            ]
        })

    private static func isSet(_ timestamp: JSON) -> Bool {
        guard let s = timestamp.stringValue else { return false }
        return !s.isEmpty
    }

    private static func firstNonEmpty(_ a: String, _ b: String) -> String { a.isEmpty ? b : a }
}

extension KindPrinter {
    static let persistentVolume = KindPrinter(
        columns: [
            .name,
            Column(name: "Capacity", type: "string", description: "capacity is the description of the persistent volume's resources and capacity."),
            Column(name: "Access Modes", type: "string", description: "accessModes contains all ways the volume can be mounted."),
            Column(name: "Reclaim Policy", type: "string", description: "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim."),
            Column(name: "Status", type: "string", description: "phase indicates if a volume is available, bound to a claim, or released by a claim."),
            Column(name: "Claim", type: "string", description: "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."),
            Column(name: "StorageClass", type: "string", description: "StorageClass of the pv"),
            Column(name: "VolumeAttributesClass", type: "string", description: "VolumeAttributesClass of the pv"),
            Column(name: "Reason", type: "string", description: "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
            .age,
            Column(name: "VolumeMode", type: "string", description: "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.", priority: 1),
        ],
        cells: { pv, now in
            let spec = pv["spec"]
            var claim = ""
            if !spec["claimRef"].isNull {
                claim = "\(Cell.string(spec[path: ["claimRef", "namespace"]]))/\(Cell.string(spec[path: ["claimRef", "name"]]))"
            }
            let deleting = !pv[path: ["metadata", "deletionTimestamp"]].isNull
            return [
                Cell.name(pv), .string(quantity(spec[path: ["capacity", "storage"]])), .string(accessModes(spec["accessModes"])),
                .string(Cell.string(spec["persistentVolumeReclaimPolicy"])),
                .string(deleting ? "Terminating" : Cell.string(pv[path: ["status", "phase"]])), .string(claim),
                .string(storageClass(pv)), .string(spec["volumeAttributesClassName"].stringValue ?? "<unset>"),
                .string(Cell.string(pv[path: ["status", "reason"]])), Cell.age(pv, now),
                .string(spec["volumeMode"].stringValue ?? "<unset>"),
            ]
        })

    static let persistentVolumeClaim = KindPrinter(
        columns: [
            .name,
            Column(name: "Status", type: "string", description: "phase represents the current phase of PersistentVolumeClaim."),
            Column(name: "Volume", type: "string", description: "volumeName is the binding reference to the PersistentVolume backing this claim."),
            Column(name: "Capacity", type: "string", description: "capacity represents the actual resources of the underlying volume."),
            Column(name: "Access Modes", type: "string", description: "accessModes contains the actual access modes the volume backing the PVC has."),
            Column(name: "StorageClass", type: "string", description: "StorageClass of the pvc"),
            Column(name: "VolumeAttributesClass", type: "string", description: "VolumeAttributesClass of the pvc"),
            .age,
            Column(name: "VolumeMode", type: "string", description: "volumeMode defines what type of volume is required by the claim.", priority: 1),
        ],
        cells: { pvc, now in
            let spec = pvc["spec"], status = pvc["status"]
            let volume = Cell.string(spec["volumeName"])
            // Capacity and modes are those of the bound volume, shown only once bound.
            let capacity = volume.isEmpty ? "" : quantity(status[path: ["capacity", "storage"]])
            let modes = volume.isEmpty ? "" : accessModes(status["accessModes"])
            let deleting = !pvc[path: ["metadata", "deletionTimestamp"]].isNull
            let vac = spec["volumeAttributesClassName"].stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "<unset>"
            return [
                Cell.name(pvc), .string(deleting ? "Terminating" : Cell.string(status["phase"])), .string(volume),
                .string(capacity), .string(modes), .string(storageClass(pvc)), .string(vac), Cell.age(pvc, now),
                .string(spec["volumeMode"].stringValue ?? "<unset>"),
            ]
        })

    /// `RWO,ROX,RWX,RWOP` in that fixed order, duplicates dropped (upstream `GetAccessModesAsString`).
    static func accessModes(_ modes: JSON) -> String {
        let present = Set(Cell.array(modes).compactMap(\.stringValue))
        let order = [("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP")]
        return order.filter { present.contains($0.0) }.map(\.1).joined(separator: ",")
    }

    /// The beta storage-class annotation wins over `spec.storageClassName`, as upstream reads it.
    static func storageClass(_ object: JSON) -> String {
        if let annotated = object[path: ["metadata", "annotations", "volume.beta.kubernetes.io/storage-class"]].stringValue {
            return annotated
        }
        return Cell.string(object[path: ["spec", "storageClassName"]])
    }

    /// A quantity as stored; upstream prints the canonical form, which the API already stores.
    static func quantity(_ value: JSON) -> String {
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        default: return "0"
        }
    }
}
