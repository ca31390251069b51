import Foundation
import Testing
@testable import KubeAPI

@Suite struct PrinterTests {
    static let now = Timestamp.parse("2024-05-01T12:00:00Z")!
    static func ago(_ seconds: Double) -> JSON { .string(Timestamp.format(now.addingTimeInterval(-seconds))) }
    static func resource(_ group: String, _ plural: String) -> ResourceDefinition {
        ResourceRegistry.resource(group: group, version: "v1", plural: plural)!
    }

    @Test(arguments: [
        (-5.0, "<invalid>"), (-1.5, "0s"), (0, "0s"), (5, "5s"), (119, "119s"), (120, "2m"), (125, "2m5s"),
        (599, "9m59s"), (600, "10m"), (179 * 60, "179m"), (3 * 3600, "3h"), (3 * 3600 + 120, "3h2m"),
        (8 * 3600 + 59, "8h"), (47 * 3600, "47h"), (48 * 3600, "2d"), (51 * 3600, "2d3h"), (7 * 86400 + 23 * 3600, "7d23h"),
        (8 * 86400, "8d"), (45 * 86400, "45d"), (729 * 86400, "729d"), (730 * 86400, "2y"), (3 * 365 * 86400 + 45 * 86400, "3y45d"),
        (8 * 365 * 86400, "8y"), (20 * 365 * 86400, "20y"),
    ] as [(Double, String)])
    func humanDuration(seconds: Double, expected: String) {
        #expect(HumanDuration.format(seconds: seconds) == expected)
    }

    @Test(arguments: ["", "2024-05-01", "2024-13-01T00:00:00Z", "2024-05-01T10:00:00", "2024-05-01T10:00:00Zjunk", "x024-05-01T10:00:00Z", "2024-05-01T10:00:00.Z"])
    func rejectsBadTimestamps(text: String) {
        #expect(Timestamp.parse(text) == nil)
        #expect(HumanDuration.since(.string(text), now: Self.now) == "<unknown>")
    }

    @Test func parsesTimestampsWithFractionsAndOffsets() {
        #expect(Timestamp.parse("2024-05-01T12:00:00Z") == Date(timeIntervalSince1970: 1_714_564_800))
        #expect(Timestamp.parse("2024-05-01T14:00:00+02:00") == Date(timeIntervalSince1970: 1_714_564_800))
        #expect(Timestamp.parse("2024-05-01T12:00:00.500000Z") == Date(timeIntervalSince1970: 1_714_564_800.5))
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_714_564_800)) == "2024-05-01T12:00:00Z")
    }

    static func container(_ name: String, ready: Bool = false, state: JSON, restarts: Int64 = 0, last: JSON = .null) -> JSON {
        ["name": .string(name), "ready": .bool(ready), "restartCount": .int(restarts), "state": state, "lastState": last]
    }

    static func pod(phase: String, spec: JSON = ["containers": [["name": "a"]]], statuses: [JSON] = [], initStatuses: [JSON] = [],
                    conditions: [JSON] = [], deleting: Bool = false) -> JSON {
        var metadata: JSON = ["name": "web", "creationTimestamp": ago(300)]
        if deleting { metadata["deletionTimestamp"] = ago(1) }
        return ["metadata": metadata, "spec": spec, "status": [
            "phase": .string(phase), "conditions": .array(conditions), "containerStatuses": .array(statuses),
            "initContainerStatuses": .array(initStatuses),
        ]]
    }

    static let running: JSON = ["running": ["startedAt": "2024-05-01T11:00:00Z"]]
    static let initSpec: JSON = ["initContainers": [["name": "init"]], "containers": [["name": "a"]]]

    static let podCases: [(String, JSON, String, String)] = [
        ("pending", pod(phase: "Pending"), "Pending", "0/1"),
        ("running", pod(phase: "Running", statuses: [container("a", ready: true, state: running)]), "Running", "1/1"),
        ("creating", pod(phase: "Pending", statuses: [container("a", state: ["waiting": ["reason": "ContainerCreating"]])]), "ContainerCreating", "0/1"),
        ("crashloop", pod(phase: "Running", statuses: [container("a", state: ["waiting": ["reason": "CrashLoopBackOff"]], restarts: 4)]), "CrashLoopBackOff", "0/1"),
        ("completed", pod(phase: "Succeeded", statuses: [container("a", state: ["terminated": ["reason": "Completed", "exitCode": 0]])]), "Completed", "0/1"),
        ("exitcode", pod(phase: "Failed", statuses: [container("a", state: ["terminated": ["exitCode": 2]])]), "ExitCode:2", "0/1"),
        ("signal", pod(phase: "Failed", statuses: [container("a", state: ["terminated": ["exitCode": 137, "signal": 9]])]), "Signal:9", "0/1"),
        ("terminating", pod(phase: "Running", statuses: [container("a", ready: true, state: running)], deleting: true), "Terminating", "1/1"),
        ("succeeded-deleting", pod(phase: "Succeeded", deleting: true), "Succeeded", "0/1"),
        ("init-0-of-1", pod(phase: "Pending", spec: initSpec, initStatuses: [container("init", state: running)]), "Init:0/1", "0/1"),
        ("init-waiting", pod(phase: "Pending", spec: initSpec, initStatuses: [container("init", state: ["waiting": ["reason": "ImagePullBackOff"]])]), "Init:ImagePullBackOff", "0/1"),
        ("init-failed", pod(phase: "Pending", spec: initSpec, initStatuses: [container("init", state: ["terminated": ["exitCode": 1, "reason": "Error"]])]), "Init:Error", "0/1"),
        ("init-done", pod(phase: "Running", spec: initSpec, statuses: [container("a", ready: true, state: running)],
                          initStatuses: [container("init", state: ["terminated": ["exitCode": 0, "reason": "Completed"]])]), "Running", "1/1"),
        ("gated", pod(phase: "Pending", conditions: [["type": "PodScheduled", "status": "False", "reason": "SchedulingGated"]]), "SchedulingGated", "0/1"),
        ("completed-but-running", pod(phase: "Running", spec: ["containers": [["name": "a"], ["name": "b"]]], statuses: [
            container("a", ready: true, state: running), container("b", state: ["terminated": ["exitCode": 0, "reason": "Completed"]]),
        ]), "NotReady", "1/2"),
    ]

    @Test(arguments: podCases)
    func podStatusColumn(name: String, pod: JSON, status: String, ready: String) {
        let cells = TablePrinter.row(for: Self.resource("", "pods"), object: pod, now: Self.now)
        #expect(cells[2] == .string(status), "\(name)")
        #expect(cells[1] == .string(ready), "\(name)")
    }

    @Test func podRestartsShowLastRestartAge() {
        let last: JSON = ["terminated": ["exitCode": 1, "finishedAt": Self.ago(300)]]
        let restarted = Self.pod(phase: "Running", statuses: [
            Self.container("a", ready: true, state: Self.running, restarts: 2, last: last)])
        let cells = TablePrinter.row(for: Self.resource("", "pods"), object: restarted, now: Self.now)
        #expect(cells[3] == "2 (5m ago)")
        let noTime = Self.pod(phase: "Running", statuses: [Self.container("a", state: Self.running, restarts: 3)])
        #expect(TablePrinter.row(for: Self.resource("", "pods"), object: noTime, now: Self.now)[3] == "3")
        #expect(TablePrinter.row(for: Self.resource("", "pods"), object: Self.pod(phase: "Pending"), now: Self.now)[3] == "0")
    }

    @Test func podWideColumns() {
        var pod = Self.pod(phase: "Running")
        pod["spec"]["nodeName"] = "n1"
        pod["spec"]["readinessGates"] = [["conditionType": "x/ok"], ["conditionType": "x/other"]]
        pod["status"]["podIPs"] = [["ip": "10.1.0.5"]]
        pod["status"]["conditions"] = [["type": "x/ok", "status": "True"]]
        let cells = TablePrinter.row(for: Self.resource("", "pods"), object: pod, now: Self.now)
        #expect(Array(cells[4...]) == ["5m", "10.1.0.5", "n1", "<none>", "1/2"])
    }

    @Test(arguments: [
        ([["port": 80]], "80/TCP"),
        ([["port": 80, "protocol": "TCP"], ["port": 443, "nodePort": 30443, "protocol": "TCP"]], "80/TCP,443:30443/TCP"),
        ([["port": 53, "protocol": "UDP"]], "53/UDP"),
        ([], "<none>"),
    ] as [(JSON, String)])
    func servicePorts(ports: JSON, expected: String) {
        let svc: JSON = ["metadata": ["name": "s"], "spec": ["type": "ClusterIP", "clusterIP": "10.43.0.10", "ports": ports]]
        let cells = TablePrinter.row(for: Self.resource("", "services"), object: svc, now: Self.now)
        #expect(cells[4] == .string(expected))
        #expect(cells[1] == "ClusterIP" && cells[2] == "10.43.0.10" && cells[3] == "<none>")
    }

    @Test(arguments: [
        (["type": "LoadBalancer"], .null, "<pending>"),
        (["type": "LoadBalancer"], ["loadBalancer": ["ingress": [["ip": "1.2.3.4"]]]], "1.2.3.4"),
        (["type": "LoadBalancer", "externalIPs": ["5.6.7.8"]], ["loadBalancer": ["ingress": [["hostname": "lb.example"]]]], "lb.example,5.6.7.8"),
        (["type": "NodePort", "externalIPs": ["5.6.7.8"]], .null, "5.6.7.8"),
        (["type": "ExternalName", "externalName": "db.example"], .null, "db.example"),
    ] as [(JSON, JSON, String)])
    func serviceExternalIP(spec: JSON, status: JSON, expected: String) {
        let svc: JSON = ["metadata": ["name": "s"], "spec": spec, "status": status]
        #expect(TablePrinter.row(for: Self.resource("", "services"), object: svc, now: Self.now)[3] == .string(expected))
    }

    @Test(arguments: [
        ([:], [], false, "<none>", "Unknown"),
        (["node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/master": "true"], [["type": "Ready", "status": "True"]], false, "control-plane,master", "Ready"),
        (["kubernetes.io/role": "worker", "node-role.kubernetes.io/": ""], [["type": "Ready", "status": "Unknown"]], true, "worker", "NotReady,SchedulingDisabled"),
        (["node-role.kubernetes.io/etcd": ""], [["type": "Ready", "status": "False"]], false, "etcd", "NotReady"),
        ([:], [["type": "MemoryPressure", "status": "False"]], true, "<none>", "Unknown,SchedulingDisabled"),
    ] as [(JSON, [JSON], Bool, String, String)])
    func nodeRolesAndStatus(labels: JSON, conditions: [JSON], cordoned: Bool, roles: String, status: String) {
        let node: JSON = ["metadata": ["name": "n1", "labels": labels], "spec": ["unschedulable": .bool(cordoned)],
                          "status": ["conditions": .array(conditions), "nodeInfo": ["kubeletVersion": "v1.32.0"],
                                     "addresses": [["type": "InternalIP", "address": "192.168.1.5"]]]]
        let cells = TablePrinter.row(for: Self.resource("", "nodes"), object: node, now: Self.now)
        #expect(cells[1] == .string(status))
        #expect(cells[2] == .string(roles))
        #expect(Array(cells[4...]) == ["v1.32.0", "192.168.1.5", "<none>", "<unknown>", "<unknown>", "<unknown>"])
    }

    @Test(arguments: [
        (["replicas": 3], ["readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2], "2/3", 3, 2),
        ([:], [:], "0/1", 0, 0),
        (["replicas": 0], ["readyReplicas": 0], "0/0", 0, 0),
    ] as [(JSON, JSON, String, Int64, Int64)])
    func deploymentColumns(spec: JSON, status: JSON, ready: String, upToDate: Int64, available: Int64) {
        var s = spec
        s["selector"] = ["matchLabels": ["app": "web", "tier": "fe"]]
        s["template"] = ["spec": ["containers": [["name": "nginx", "image": "nginx:1.27"], ["name": "side", "image": "busybox"]]]]
        let d: JSON = ["metadata": ["name": "web", "creationTimestamp": Self.ago(3 * 3600 + 125)], "spec": s, "status": status]
        let cells = TablePrinter.row(for: Self.resource("apps", "deployments"), object: d, now: Self.now)
        #expect(cells == ["web", .string(ready), .int(upToDate), .int(available), "3h2m", "nginx,side", "nginx:1.27,busybox", "app=web,tier=fe"])
    }

    @Test(arguments: [
        ([], false, "Running"), ([["type": "Complete", "status": "True"]], false, "Complete"),
        ([["type": "Failed", "status": "True"]], false, "Failed"), ([["type": "Suspended", "status": "True"]], false, "Suspended"),
        ([["type": "Complete", "status": "False"]], true, "Terminating"),
    ] as [([JSON], Bool, String)])
    func jobStatus(conditions: [JSON], deleting: Bool, expected: String) {
        var job: JSON = ["metadata": ["name": "j"], "spec": ["completions": 2], "status": [
            "conditions": .array(conditions), "succeeded": 1, "startTime": Self.ago(90), "completionTime": Self.ago(30)]]
        if deleting { job["metadata"]["deletionTimestamp"] = Self.ago(1) }
        let cells = TablePrinter.row(for: Self.resource("batch", "jobs"), object: job, now: Self.now)
        #expect(Array(cells[1...3]) == [.string(expected), "1/2", "60s"])
    }

    @Test(arguments: [
        ([["port": 443, "name": "https"]], [["addresses": ["10.0.0.1"]]], "443", "10.0.0.1"),
        ([["name": "dns"], [:], ["port": 53], ["port": 9153]], [["addresses": ["a", "b"]], ["addresses": ["c", "d", "e"]]],
         "dns,*,53 + 1 more...", "a,b,c + 2 more..."),
        ([], [], "<unset>", "<unset>"),
    ] as [([JSON], [JSON], String, String)])
    func endpointSliceColumns(ports: [JSON], endpoints: [JSON], portsCell: String, endpointsCell: String) {
        let slice: JSON = ["metadata": ["name": "kubernetes"], "addressType": "IPv4", "ports": .array(ports), "endpoints": .array(endpoints)]
        let resource = Self.resource("discovery.k8s.io", "endpointslices")
        #expect(TablePrinter.columns(for: resource).map { $0["name"] } == ["Name", "AddressType", "Ports", "Endpoints", "Age"])
        let cells = TablePrinter.row(for: resource, object: slice, now: Self.now)
        #expect(Array(cells[0...3]) == ["kubernetes", "IPv4", .string(portsCell), .string(endpointsCell)])
    }

    @Test func eventRow() {
        let ev: JSON = ["metadata": ["name": "web.1"], "involvedObject": ["kind": "Pod", "name": "web", "fieldPath": "spec.containers{a}"],
                        "reason": "Pulled", "message": "done\n", "type": "Normal", "source": ["component": "kubelet", "host": "n1"],
                        "firstTimestamp": Self.ago(600), "lastTimestamp": Self.ago(60), "count": 3]
        let cells = TablePrinter.row(for: Self.resource("", "events"), object: ev, now: Self.now)
        #expect(cells == ["60s", "Normal", "Pulled", "pod/web", "spec.containers{a}", "kubelet, n1", "done", "10m", 3, "web.1"])
    }

    @Test func everyResourceHasOneCellPerColumnEvenForGarbage() {
        let garbage: [JSON] = [[:], .null, "text", ["metadata": 5, "spec": ["containers": "x"], "status": ["conditions": [1, 2]]]]
        for r in ResourceRegistry.builtin {
            let columns = TablePrinter.columns(for: r)
            #expect(columns.first?["name"] == "Name" || r.kind == "Event")
            for object in garbage {
                #expect(TablePrinter.row(for: r, object: object, now: Self.now).count == columns.count, "\(r.plural)")
            }
        }
    }

    @Test func tableEnvelope() throws {
        let pods = Self.resource("", "pods")
        let pod = Self.pod(phase: "Succeeded")
        let table = TablePrinter.table(for: pods, objects: [pod], includeObject: .metadata, resourceVersion: "102",
                                       continueToken: "abc", remainingItemCount: 4, withColumns: true, now: Self.now)
        #expect(table["kind"] == "Table" && table["apiVersion"] == "meta.k8s.io/v1")
        #expect(table["metadata"] == ["resourceVersion": "102", "continue": "abc", "remainingItemCount": 4])
        #expect(table["columnDefinitions"].arrayValue?.count == 9)
        #expect(table["columnDefinitions"][5]["priority"] == 1)
        let row = table["rows"][0]
        #expect(row["object"] == ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": pod["metadata"]])
        #expect(row["conditions"][0]["type"] == "Completed")

        let bare = TablePrinter.table(for: pods, objects: [pod], includeObject: .none, resourceVersion: "7",
                                      continueToken: nil, remainingItemCount: nil, withColumns: false, now: Self.now)
        #expect(bare["columnDefinitions"] == .null && bare["rows"][0]["object"] == .null)
        #expect(bare["metadata"] == ["resourceVersion": "7"])
        let full = TablePrinter.table(for: pods, objects: [pod], includeObject: .object, resourceVersion: "7",
                                      continueToken: "", remainingItemCount: nil, withColumns: true, now: Self.now)
        #expect(full["rows"][0]["object"] == pod)
    }

    @Test func includeObjectParsing() throws {
        #expect(try IncludeObject.parse(nil) == .metadata)
        #expect(try IncludeObject.parse("") == .metadata)
        #expect(try IncludeObject.parse("Object") == .object)
        #expect(try IncludeObject.parse("None") == .none)
        #expect(throws: StatusError.self) { try IncludeObject.parse("object") }
    }

    @Test func defaultPrinterIsNameAndAge() {
        let cr = Self.resource("rbac.authorization.k8s.io", "clusterroles")
        #expect(TablePrinter.columns(for: cr).map { $0["name"] } == ["Name", "Age"])
        let cells = TablePrinter.row(for: cr, object: ["metadata": ["name": "admin", "creationTimestamp": Self.ago(45 * 86400)]], now: Self.now)
        #expect(cells == ["admin", "45d"])
    }
}
