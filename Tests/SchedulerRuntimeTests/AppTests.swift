import Foundation
import KubeAPI
import KubeClient
import SwiftletCore
import Testing
@testable import ComponentKit
@testable import SchedulerRuntime

@Suite struct AppTests {
    @Test func missingConfigFileIsAClearError() {
        let path = "/nonexistent/scheduler.json"
        #expect { try SchedulerApp.loadConfig(path: path) } throws: { "\($0)".contains(path) }
        #expect { try SchedulerApp.loadConfig(path: "") } throws: { "\($0)".contains("--config") }
    }

    @Test(arguments: ["{", "{\"kubeconfig\": 3}", "{\"tlsCertFile\": \"c\"}"])
    func invalidConfigFileNamesTheProblem(content: String) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sched-\(UUID().uuidString).json").path
        try content.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect { try SchedulerApp.loadConfig(path: path) } throws: { "\($0)".contains("invalid config file \(path)") }
    }

    @Test func leaseIsKubeSchedulerInTheConfiguredNamespace() {
        var config = ComponentConfig(kubeconfig: "k", tlsCertFile: "c", tlsKeyFile: "k", clientCAFile: "ca")
        config.leaseNamespace = "swiftlet-system"
        config.identity = "host_1"
        let election = SchedulerApp.leaderElectionConfig(config)
        #expect(election.leaseName == "kube-scheduler")
        #expect(election.leaseNamespace == "swiftlet-system")
        #expect(election.identity == "host_1")
        #expect(election.problems.isEmpty)
    }

    /// Only the lease holder schedules: while another identity holds a fresh lease nothing is
    /// bound; once that lease expires this scheduler takes over and binds.
    @Test func onlyTheLeaderSchedules() async throws {
        let api = InMemoryAPI()
        api.put(.nodes, node("n1"))
        api.put(.pods, pod("p"))
        api.put(.leases, [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": ["name": "kube-scheduler", "namespace": "kube-system"],
            "spec": ["holderIdentity": "someone-else", "leaseDurationSeconds": 1],
        ])
        var config = ComponentConfig(kubeconfig: "k", tlsCertFile: "c", tlsKeyFile: "k", clientCAFile: "ca")
        config.identity = "me"
        let election = LeaderElectionConfig(leaseName: "kube-scheduler", identity: "me", leaseDuration: .milliseconds(800),
                                            renewDeadline: .milliseconds(400), retryPeriod: .milliseconds(50))
        let health = HealthChecks()
        let app = Task {
            try await SchedulerApp.run(config: config, client: api, health: health, logger: testLogger,
                                       options: testOptions, election: election)
        }
        defer { app.cancel() }
        #expect(await eventually { health.snapshot.ready["informers-synced"] == true })
        #expect(health.snapshot.live["leader-election"] == true)
        try await Task.sleep(for: .milliseconds(300))
        #expect(api.bindings.isEmpty)
        #expect(await eventually { api.bindings == ["default/p -> n1"] })
        #expect(api.object(.leases, namespace: "kube-system", name: "kube-scheduler")?[path: ["spec", "holderIdentity"]] == "me")
        app.cancel()
        _ = await app.result
        // A graceful stop releases the lease for the next scheduler.
        #expect(api.object(.leases, namespace: "kube-system", name: "kube-scheduler")?[path: ["spec", "holderIdentity"]] == .null)
    }

    @Test func withoutLeaderElectionItSchedulesAtOnce() async throws {
        let api = InMemoryAPI()
        api.put(.nodes, node("n1"))
        api.put(.pods, pod("p"))
        var config = ComponentConfig(kubeconfig: "k", tlsCertFile: "c", tlsKeyFile: "k", clientCAFile: "ca")
        config.leaderElect = false
        let app = Task {
            try await SchedulerApp.run(config: config, client: api, health: HealthChecks(), logger: testLogger, options: testOptions)
        }
        defer { app.cancel() }
        #expect(await eventually { api.bindings == ["default/p -> n1"] })
        #expect(api.objects(.leases).isEmpty)
    }
}
