import FoundationEssentials

extension KindPrinter {
    /// Events (core v1 and `events.k8s.io/v1`, whose fields are read under their new names when the
    /// old ones are absent, since upstream prints both through the same internal type).
    static let event = KindPrinter(
        columns: [
            PrinterColumn(name: "Last Seen", type: "string", description: "The time at which the most recent occurrence of this event was recorded."),
            PrinterColumn(name: "Type", type: "string", description: "Type of this event (Normal, Warning), new types could be added in the future"),
            PrinterColumn(name: "Reason", type: "string", description: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
            PrinterColumn(name: "Object", type: "string", description: "The object that this event is about."),
            PrinterColumn(name: "Subobject", type: "string", description: "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].", priority: 1),
            PrinterColumn(name: "Source", type: "string", description: "The component reporting this event. Should be a short machine understandable string.", priority: 1),
            PrinterColumn(name: "Message", type: "string", description: "A human-readable description of the status of this operation."),
            PrinterColumn(name: "First Seen", type: "string", description: "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", priority: 1),
            PrinterColumn(name: "Count", type: "string", description: "The number of times this event has occurred.", priority: 1),
            PrinterColumn(name: "Name", type: "string", format: "name", description: PrinterColumn.name.description, priority: 1),
        ],
        cells: { ev, now in
            func field(_ old: String, _ new: String) -> JSON { ev[old].isNull ? ev[new] : ev[old] }
            let involved = field("involvedObject", "regarding")
            let firstStamp = field("firstTimestamp", "deprecatedFirstTimestamp")
            let lastStamp = field("lastTimestamp", "deprecatedLastTimestamp")

            let first = isSet(firstStamp) ? HumanDuration.since(firstStamp, now: now) : HumanDuration.since(ev["eventTime"], now: now)
            var last = isSet(lastStamp) ? HumanDuration.since(lastStamp, now: now) : first
            var count = PrinterCell.int(field("count", "deprecatedCount"))
            if !ev["series"].isNull {
                last = HumanDuration.since(ev[path: ["series", "lastObservedTime"]], now: now)
                count = PrinterCell.int(ev[path: ["series", "count"]])
            } else if count == 0 {
                count = 1  // singleton events of the new API carry no count
            }

            let kind = PrinterCell.string(involved["kind"]).lowercased()
            let name = PrinterCell.string(involved["name"])
            let source = field("source", "deprecatedSource")
            let component = firstNonEmpty(PrinterCell.string(source["component"]), PrinterCell.string(ev["reportingController"]))
            let instance = firstNonEmpty(PrinterCell.string(source["host"]), PrinterCell.string(ev["reportingInstance"]))
            var sourceText = ""
            if !component.isEmpty || !instance.isEmpty {
                sourceText = instance.isEmpty ? component : "\(component), \(instance)"
            }
            let message = PrinterCell.string(field("message", "note")).trimmedWhitespace
            return [
                .string(last), .string(PrinterCell.string(ev["type"])), .string(PrinterCell.string(ev["reason"])),
                .string(name.isEmpty ? kind : "\(kind)/\(name)"), .string(PrinterCell.string(involved["fieldPath"])),
                .string(sourceText), .string(message), .string(first), .int(count), PrinterCell.name(ev),
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
            PrinterColumn(name: "Capacity", type: "string", description: "capacity is the description of the persistent volume's resources and capacity."),
            PrinterColumn(name: "Access Modes", type: "string", description: "accessModes contains all ways the volume can be mounted."),
            PrinterColumn(name: "Reclaim Policy", type: "string", description: "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim."),
            PrinterColumn(name: "Status", type: "string", description: "phase indicates if a volume is available, bound to a claim, or released by a claim."),
            PrinterColumn(name: "Claim", type: "string", description: "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."),
            PrinterColumn(name: "StorageClass", type: "string", description: "StorageClass of the pv"),
            PrinterColumn(name: "VolumeAttributesClass", type: "string", description: "VolumeAttributesClass of the pv"),
            PrinterColumn(name: "Reason", type: "string", description: "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
            .age,
            PrinterColumn(name: "VolumeMode", type: "string", description: "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.", priority: 1),
        ],
        cells: { pv, now in
            let spec = pv["spec"]
            var claim = ""
            if !spec["claimRef"].isNull {
                claim = "\(PrinterCell.string(spec[path: ["claimRef", "namespace"]]))/\(PrinterCell.string(spec[path: ["claimRef", "name"]]))"
            }
            let deleting = !pv[path: ["metadata", "deletionTimestamp"]].isNull
            return [
                PrinterCell.name(pv), .string(quantity(spec[path: ["capacity", "storage"]])), .string(accessModes(spec["accessModes"])),
                .string(PrinterCell.string(spec["persistentVolumeReclaimPolicy"])),
                .string(deleting ? "Terminating" : PrinterCell.string(pv[path: ["status", "phase"]])), .string(claim),
                .string(storageClass(pv)), .string(spec["volumeAttributesClassName"].stringValue ?? "<unset>"),
                .string(PrinterCell.string(pv[path: ["status", "reason"]])), PrinterCell.age(pv, now),
                .string(spec["volumeMode"].stringValue ?? "<unset>"),
            ]
        })

    static let persistentVolumeClaim = KindPrinter(
        columns: [
            .name,
            PrinterColumn(name: "Status", type: "string", description: "phase represents the current phase of PersistentVolumeClaim."),
            PrinterColumn(name: "Volume", type: "string", description: "volumeName is the binding reference to the PersistentVolume backing this claim."),
            PrinterColumn(name: "Capacity", type: "string", description: "capacity represents the actual resources of the underlying volume."),
            PrinterColumn(name: "Access Modes", type: "string", description: "accessModes contains the actual access modes the volume backing the PVC has."),
            PrinterColumn(name: "StorageClass", type: "string", description: "StorageClass of the pvc"),
            PrinterColumn(name: "VolumeAttributesClass", type: "string", description: "VolumeAttributesClass of the pvc"),
            .age,
            PrinterColumn(name: "VolumeMode", type: "string", description: "volumeMode defines what type of volume is required by the claim.", priority: 1),
        ],
        cells: { pvc, now in
            let spec = pvc["spec"], status = pvc["status"]
            let volume = PrinterCell.string(spec["volumeName"])
            // Capacity and modes are those of the bound volume, shown only once bound.
            let capacity = volume.isEmpty ? "" : quantity(status[path: ["capacity", "storage"]])
            let modes = volume.isEmpty ? "" : accessModes(status["accessModes"])
            let deleting = !pvc[path: ["metadata", "deletionTimestamp"]].isNull
            let vac = spec["volumeAttributesClassName"].stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "<unset>"
            return [
                PrinterCell.name(pvc), .string(deleting ? "Terminating" : PrinterCell.string(status["phase"])), .string(volume),
                .string(capacity), .string(modes), .string(storageClass(pvc)), .string(vac), PrinterCell.age(pvc, now),
                .string(spec["volumeMode"].stringValue ?? "<unset>"),
            ]
        })

    /// `RWO,ROX,RWX,RWOP` in that fixed order, duplicates dropped (upstream `GetAccessModesAsString`).
    static func accessModes(_ modes: JSON) -> String {
        let present = Set(PrinterCell.array(modes).compactMap(\.stringValue))
        let order = [("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP")]
        return order.filter { present.contains($0.0) }.map(\.1).joined(separator: ",")
    }

    /// The beta storage-class annotation wins over `spec.storageClassName`, as upstream reads it.
    static func storageClass(_ object: JSON) -> String {
        if let annotated = object[path: ["metadata", "annotations", "volume.beta.kubernetes.io/storage-class"]].stringValue {
            return annotated
        }
        return PrinterCell.string(object[path: ["spec", "storageClassName"]])
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
