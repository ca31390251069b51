import ControllerManager
import Foundation
import KubeAPI
import Logging

/// Runs a controller manager over a `FakeKubeClient` for the duration of a test.
struct ManagerHarness {
    let client: FakeKubeClient
    let manager: ControllerManager
    let task: Task<Void, any Error>

    init(_ enabled: Set<ControllerName>, client: FakeKubeClient = FakeKubeClient(),
         leaderElection: Bool = false, rootCA: String? = nil) throws {
        var options = ControllerManagerOptions(enabled: enabled)
        options.rootCACertificatePEM = rootCA
        if leaderElection {
            options.leaderElection = .init(leaseNamespace: "kube-system", leaseName: ControllerManagerOptions.leaseName,
                                           identity: "test-manager", leaseDuration: .seconds(3),
                                           renewDeadline: .seconds(2), retryPeriod: .milliseconds(200))
        }
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        self.client = client
        let manager = try ControllerManager(client: client, options: options, logger: logger)
        self.manager = manager
        task = Task { try await manager.run() }
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    /// Polls `condition` until it holds or `timeout` passes; returns whether it held.
    func eventually(timeout: Duration = .seconds(15), _ condition: () throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return try condition()
    }

    /// Active (not terminating) pods of a namespace.
    func pods(_ namespace: String = "default") -> [JSON] {
        client.objects(.pods, namespace: namespace).filter { $0["metadata"]["deletionTimestamp"].isNull }
    }
}

/// Objects the tests create.
enum Fixtures {
    static func podTemplate(app: String) -> JSON {
        ["metadata": ["labels": ["app": .string(app)]],
         "spec": ["containers": [["name": "main", "image": "busybox"]], "restartPolicy": "Always"]]
    }

    static func deployment(_ name: String, replicas: Int64) -> JSON {
        ["apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": ["name": .string(name), "namespace": "default"],
         "spec": ["replicas": .int(replicas), "selector": ["matchLabels": ["app": .string(name)]],
                  "template": podTemplate(app: name), "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
                  "strategy": ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": "25%", "maxUnavailable": "25%"]]]]
    }

    static func replicaSet(_ name: String, replicas: Int64) -> JSON {
        ["apiVersion": "apps/v1", "kind": "ReplicaSet",
         "metadata": ["name": .string(name), "namespace": "default"],
         "spec": ["replicas": .int(replicas), "selector": ["matchLabels": ["app": .string(name)]],
                  "template": podTemplate(app: name)]]
    }

    static func job(_ name: String, completions: Int64) -> JSON {
        ["apiVersion": "batch/v1", "kind": "Job",
         "metadata": ["name": .string(name), "namespace": "default"],
         "spec": ["completions": .int(completions), "parallelism": .int(completions), "backoffLimit": 6,
                  "completionMode": "NonIndexed",
                  "template": ["metadata": ["labels": ["job": .string(name)]],
                               "spec": ["containers": [["name": "main", "image": "busybox"]], "restartPolicy": "Never"]]]]
    }

    static func ownedBy(_ pod: JSON, _ owner: JSON) -> Bool {
        (pod["metadata"]["ownerReferences"].arrayValue ?? []).contains {
            $0["uid"] == owner["metadata"]["uid"] && $0["controller"].boolValue == true
        }
    }
}
