import FoundationEssentials

extension KindPrinter {
    static let deployment = KindPrinter(
        columns: [
            .name,
            PrinterColumn(name: "Ready", type: "string", description: "Number of the pod with ready state"),
            PrinterColumn(name: "Up-to-date", type: "integer", description: "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
            PrinterColumn(name: "Available", type: "integer", description: "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
            .age, .containers, .images, .selector("Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels."),
        ],
        cells: { d, now in
            let (containers, images) = PrinterCell.containersAndImages(d[path: ["spec", "template", "spec"]])
            let status = d["status"]
            return [
                PrinterCell.name(d), .string("\(PrinterCell.int(status["readyReplicas"]))/\(desiredReplicas(d))"),
                .int(PrinterCell.int(status["updatedReplicas"])), .int(PrinterCell.int(status["availableReplicas"])),
                PrinterCell.age(d, now), containers, images, .string(PrinterCell.labelSelector(d[path: ["spec", "selector"]])),
            ]
        })

    static let replicaSet = KindPrinter(
        columns: [
            .name,
            PrinterColumn(name: "Desired", type: "integer", description: "Replicas is the number of desired replicas."),
            PrinterColumn(name: "Current", type: "integer", description: "Replicas is the most recently observed number of replicas."),
            PrinterColumn(name: "Ready", type: "integer", description: "The number of ready replicas for this replica set."),
            .age, .containers, .images, .selector(),
        ],
        cells: { rs, now in
            let (containers, images) = PrinterCell.containersAndImages(rs[path: ["spec", "template", "spec"]])
            return [
                PrinterCell.name(rs), .int(desiredReplicas(rs)), .int(PrinterCell.int(rs[path: ["status", "replicas"]])),
                .int(PrinterCell.int(rs[path: ["status", "readyReplicas"]])), PrinterCell.age(rs, now), containers, images,
                .string(PrinterCell.labelSelector(rs[path: ["spec", "selector"]])),
            ]
        })

    /// ReplicationControllers print like ReplicaSets but their selector is a plain label map.
    static let replicationController = KindPrinter(
        columns: replicaSet.columns,
        cells: { rc, now in
            let (containers, images) = PrinterCell.containersAndImages(rc[path: ["spec", "template", "spec"]])
            return [
                PrinterCell.name(rc), .int(desiredReplicas(rc)), .int(PrinterCell.int(rc[path: ["status", "replicas"]])),
                .int(PrinterCell.int(rc[path: ["status", "readyReplicas"]])), PrinterCell.age(rc, now), containers, images,
                .string(PrinterCell.formatLabels(rc[path: ["spec", "selector"]])),
            ]
        })

    static let statefulSet = KindPrinter(
        columns: [
            .name,
            PrinterColumn(name: "Ready", type: "string", description: "Number of the pod with ready state"),
            .age, .containers, .images,
        ],
        cells: { sts, now in
            let (containers, images) = PrinterCell.containersAndImages(sts[path: ["spec", "template", "spec"]])
            return [
                PrinterCell.name(sts), .string("\(PrinterCell.int(sts[path: ["status", "readyReplicas"]]))/\(desiredReplicas(sts))"),
                PrinterCell.age(sts, now), containers, images,
            ]
        })

    static let daemonSet = KindPrinter(
        columns: [
            .name,
            PrinterColumn(name: "Desired", type: "integer", description: "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod)."),
            PrinterColumn(name: "Current", type: "integer", description: "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
            PrinterColumn(name: "Ready", type: "integer", description: "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
            PrinterColumn(name: "Up-to-date", type: "integer", description: "The total number of nodes that are running updated daemon pod"),
            PrinterColumn(name: "Available", type: "integer", description: "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
            PrinterColumn(name: "Node Selector", type: "string", description: "NodeSelector is a selector which must be true for the pod to fit on a node."),
            .age, .containers, .images, .selector("A label query over pods that are managed by the daemon set."),
        ],
        cells: { ds, now in
            let template = ds[path: ["spec", "template", "spec"]]
            let (containers, images) = PrinterCell.containersAndImages(template)
            let status = ds["status"]
            return [
                PrinterCell.name(ds), .int(PrinterCell.int(status["desiredNumberScheduled"])),
                .int(PrinterCell.int(status["currentNumberScheduled"])), .int(PrinterCell.int(status["numberReady"])),
                .int(PrinterCell.int(status["updatedNumberScheduled"])), .int(PrinterCell.int(status["numberAvailable"])),
                .string(PrinterCell.formatLabels(template["nodeSelector"])), PrinterCell.age(ds, now), containers, images,
                .string(PrinterCell.labelSelector(ds[path: ["spec", "selector"]])),
            ]
        })

    static let job = KindPrinter(
        columns: [
            .name,
            PrinterColumn(name: "Status", type: "string", description: "Status of the job."),
            PrinterColumn(name: "Completions", type: "string", description: "The number of pods which reached phase Succeeded."),
            PrinterColumn(name: "Duration", type: "string", description: "Time required to complete the job."),
            .age, .containers, .images, .selector("A label query over pods that should match the pod count."),
        ],
        cells: { job, now in
            let spec = job["spec"], status = job["status"]
            let succeeded = PrinterCell.int(status["succeeded"])
            let completions: String
            if let wanted = spec["completions"].intValue {
                completions = "\(succeeded)/\(wanted)"
            } else if let parallelism = spec["parallelism"].intValue, parallelism > 1 {
                completions = "\(succeeded)/1 of \(parallelism)"
            } else {
                completions = "\(succeeded)/1"
            }
            var duration = ""
            if let start = status["startTime"].stringValue.flatMap(Timestamp.parse) {
                let end = status["completionTime"].stringValue.flatMap(Timestamp.parse) ?? now
                duration = HumanDuration.format(seconds: end.timeIntervalSince(start))
            }
            let (containers, images) = PrinterCell.containersAndImages(spec[path: ["template", "spec"]])
            return [
                PrinterCell.name(job), .string(jobStatus(job)), .string(completions), .string(duration), PrinterCell.age(job, now),
                containers, images, .string(PrinterCell.labelSelector(spec["selector"])),
            ]
        })

    static let cronJob = KindPrinter(
        columns: [
            .name,
            PrinterColumn(name: "Schedule", type: "string", description: "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
            PrinterColumn(name: "Timezone", type: "string", description: "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
            PrinterColumn(name: "Suspend", type: "boolean", description: "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions."),
            PrinterColumn(name: "Active", type: "integer", description: "A list of pointers to currently running jobs."),
            PrinterColumn(name: "Last Schedule", type: "string", description: "Information when was the last time the job was successfully scheduled."),
            .age, .containers, .images, .selector("A label query over pods that should match the pod count."),
        ],
        cells: { cj, now in
            let spec = cj["spec"], status = cj["status"]
            let jobSpec = spec[path: ["jobTemplate", "spec"]]
            let (containers, images) = PrinterCell.containersAndImages(jobSpec[path: ["template", "spec"]])
            let suspend = spec["suspend"].boolValue.map { $0 ? "True" : "False" } ?? "<unset>"
            let last = status["lastScheduleTime"].isNull ? "<none>" : HumanDuration.since(status["lastScheduleTime"], now: now)
            let timeZone = spec["timeZone"].stringValue ?? "<none>"
            return [
                PrinterCell.name(cj), .string(PrinterCell.string(spec["schedule"])), .string(timeZone), .string(suspend),
                .int(Int64(PrinterCell.array(status["active"]).count)), .string(last), PrinterCell.age(cj, now), containers, images,
                .string(PrinterCell.labelSelector(jobSpec["selector"])),
            ]
        })

    /// `spec.replicas`, defaulting to 1 as the API does when it is absent.
    static func desiredReplicas(_ object: JSON) -> Int64 {
        object[path: ["spec", "replicas"]].intValue ?? 1
    }

    /// The Job Status column of kubectl 1.32.
    static func jobStatus(_ job: JSON) -> String {
        let conditions = PrinterCell.array(job[path: ["status", "conditions"]])
        func has(_ type: String) -> Bool {
            conditions.contains { PrinterCell.string($0["type"]) == type && PrinterCell.string($0["status"]) == "True" }
        }
        if has("Complete") { return "Complete" }
        if has("Failed") { return "Failed" }
        if !job[path: ["metadata", "deletionTimestamp"]].isNull { return "Terminating" }
        if has("Suspended") { return "Suspended" }
        if has("FailureTarget") { return "FailureTarget" }
        if has("SuccessCriteriaMet") { return "SuccessCriteriaMet" }
        return "Running"
    }
}
