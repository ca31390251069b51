import Foundation
import KubeAPI
import Logging
@testable import SchedulerRuntime

func node(_ name: String, cpu: String = "4", memory: String = "8Gi", pods: String = "110", ready: Bool = true,
          labels: [String: String] = [:]) -> JSON {
    var metadata: JSONObject = ["name": .string(name)]
    var allLabels = labels
    allLabels["kubernetes.io/hostname"] = name
    metadata["labels"] = .object(JSONObject(uniqueKeysWithValues: allLabels.sorted { $0.key < $1.key }.map { ($0.key, JSON.string($0.value)) }))
    let resources: JSON = ["cpu": .string(cpu), "memory": .string(memory), "pods": .string(pods)]
    return [
        "apiVersion": "v1", "kind": "Node", "metadata": .object(metadata), "spec": [:],
        "status": [
            "capacity": resources, "allocatable": resources,
            "conditions": [["type": "Ready", "status": ready ? "True" : "False"]],
        ],
    ]
}

func pod(_ name: String, namespace: String = "default", cpu: String? = nil, priority: Int64? = nil,
         priorityClassName: String? = nil, nodeName: String? = nil, schedulerName: String? = nil) -> JSON {
    var container: JSONObject = ["name": "c", "image": "nginx"]
    if let cpu { container["resources"] = ["requests": ["cpu": .string(cpu)]] }
    var spec: JSONObject = ["containers": [.object(container)]]
    if let priority { spec["priority"] = .int(priority) }
    if let priorityClassName { spec["priorityClassName"] = .string(priorityClassName) }
    if let nodeName { spec["nodeName"] = .string(nodeName) }
    if let schedulerName { spec["schedulerName"] = .string(schedulerName) }
    return ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "spec": .object(spec), "status": ["phase": "Pending"]]
}

func priorityClass(_ name: String, value: Int64, globalDefault: Bool = false) -> JSON {
    ["apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": ["name": .string(name)],
     "value": .int(value), "globalDefault": .bool(globalDefault)]
}

/// Options that make backoffs short enough for tests.
var testOptions: SchedulerOptions {
    var options = SchedulerOptions()
    options.initialBackoff = .milliseconds(20)
    options.maxBackoff = .milliseconds(100)
    return options
}

let testLogger = Logger(label: "scheduler-test") { _ in SwiftLogNoOpLogHandler() }

/// Polls `condition` until it holds or `timeout` passes.
func eventually(_ timeout: Duration = .seconds(20), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

/// A driver over `api` with synced informers; `loop` starts the scheduling loop too.
/// The returned task runs the loop; cancel it at the end.
func startDriver(_ api: InMemoryAPI, loop: Bool = true, options: SchedulerOptions = testOptions) async -> (SchedulerDriver, Task<Void, Never>?) {
    let driver = SchedulerDriver(client: api, options: options, logger: testLogger)
    _ = await driver.startInformers()
    guard loop else { return (driver, nil) }
    let task = Task { await driver.runSchedulingLoop() }
    return (driver, task)
}

extension JSON {
    var nodeName: String? { self[path: ["spec", "nodeName"]].stringValue }
}
