import Foundation

/// Counts and the time bound of the cluster scenario.
struct ClusterScale: Sendable, Codable {
    var name: String
    var nodes: Int
    var pods: Int
    var replicas: Int
    /// Seconds any one phase may take before the run fails.
    var timeLimit: Int

    static let full = ClusterScale(name: "full", nodes: 1_000, pods: 10_000, replicas: 1_000, timeLimit: 300)
    static let quick = ClusterScale(name: "quick", nodes: 100, pods: 1_000, replicas: 200, timeLimit: 120)
}

/// What `swiftlet-bench cluster` measured; printed as a table or JSON.
struct ClusterReport: Sendable, Codable {
    var scale: ClusterScale
    var machine: Machine
    var serverReadySeconds: Double?
    var nodesReadySeconds: Double?
    var podCreates: LoadFigure?
    var firstBindingSeconds: Double?
    var podsScheduledSeconds: Double?
    /// The same pods on nodes that leave them alone (scheduler_perf's setup: no kubelet writes).
    var schedulerOnlySeconds: Double?
    var schedulerOnlyCreates: LoadFigure?
    var podDeletes: LoadFigure?
    var deploymentAllCreatedSeconds: Double?
    var deploymentAvailableSeconds: Double?
    /// Peak VmRSS (bytes) per component while the nodes registered, during the pod phase and during the Deployment phase.
    var rssNodesUp: [String: Int] = [:]
    var rssPods: [String: Int] = [:]
    var rssDeployment: [String: Int] = [:]
    /// CPU seconds per component during the pod phase (creates to last binding, plus the deletes) and the Deployment phase.
    var cpuPods: [String: Double] = [:]
    var cpuDeployment: [String: Double] = [:]

    init(scale: ClusterScale, machine: Machine) {
        self.scale = scale
        self.machine = machine
    }

    /// Pods bound per second, from the first create to the last binding.
    var scheduledPerSecond: Double {
        guard let seconds = podsScheduledSeconds, seconds > 0 else { return 0 }
        return Double(scale.pods) / seconds
    }

    /// Pods bound per second when the nodes do not run them.
    var schedulerOnlyPerSecond: Double {
        guard let seconds = schedulerOnlySeconds, seconds > 0 else { return 0 }
        return Double(scale.pods) / seconds
    }

    func peak(_ component: String) -> Int? {
        [rssNodesUp[component], rssPods[component], rssDeployment[component]].compactMap { $0 }.max()
    }

    func table() -> String {
        var rows: [(String, String, String, String)] = []
        func row(_ name: String, _ target: String, _ measured: String, _ met: Bool?) {
            rows.append((name, target, measured, met.map { $0 ? "yes" : "NO" } ?? "-"))
        }
        let pods = Format.count(scale.pods)
        if schedulerOnlySeconds != nil {
            row("Schedule \(pods) pods, \(Format.count(scale.nodes)) nodes (scheduler_perf setup)", ">= 500 pods/s",
                "\(Format.rate(schedulerOnlyPerSecond)) pods/s (\(Format.seconds(schedulerOnlySeconds)))", schedulerOnlyPerSecond >= 500)
        }
        if podsScheduledSeconds != nil {
            row("Schedule \(pods) pods, \(Format.count(scale.nodes)) nodes, kubelets running them", "-",
                "\(Format.rate(scheduledPerSecond)) pods/s (\(Format.seconds(podsScheduledSeconds)))", nil)
        }
        if let c = podCreates {
            row("  of which: pod creates by the bench", "-", "\(Format.rate(c.perSecond))/s (\(Format.seconds(c.seconds)))", nil)
        }
        if let seconds = deploymentAvailableSeconds {
            row("Deployment \(Format.count(scale.replicas)) replicas available", "< 30 s", Format.seconds(seconds), seconds < 30)
        }
        for component in ["controllers", "scheduler"] {
            let peak = peak(component)
            row("\(component) RSS, peak", "< 60 MB", Format.megabytes(peak), peak.map { $0 < 60 << 20 })
        }
        for component in ["apiserver", "kubelet"] {
            row("\(component) RSS, peak (information)", "-", Format.megabytes(peak(component)), nil)
        }

        var out = "Swiftlet cluster benchmark (\(scale.name)); \(machine.cores) cores, \(machine.cpuModel), \(machine.date)\n"
        out += "`swiftlet server --simulated-nodes \(scale.nodes)`: apiserver, scheduler, controllers and one kubelet process "
            + "simulating the nodes; the bench client shares the cores.\n\n"
        out += Format.table(header: ("Figure", "Target", "Measured", "Met"), rows: rows)
        out += "\nDetails\n"
        out += "  server ready line after \(Format.seconds(serverReadySeconds)); \(Format.count(scale.nodes)) nodes Ready "
            + "\(Format.seconds(nodesReadySeconds)) later\n"
        if let c = podCreates {
            out += "  pod creates: \(Format.count(c.completed)) in \(Format.seconds(c.seconds)), p50 \(Format.ms(c.latency.p50)), "
                + "p99 \(Format.ms(c.latency.p99)), errors \(c.errors)\n"
        }
        if let first = firstBindingSeconds {
            out += "  first binding \(Format.seconds(first)) after the first create\n"
        }
        if let d = podDeletes {
            out += "  pod deletes (grace 0): \(Format.rate(d.perSecond))/s, errors \(d.errors)\n"
        }
        if let created = deploymentAllCreatedSeconds {
            out += "  Deployment: all \(Format.count(scale.replicas)) pods created (status.replicas) after \(Format.seconds(created))\n"
        }
        out += "  peak RSS by phase (nodes registering / pods / Deployment):\n"
        for component in ClusterServer.components {
            out += "    \(component): \(Format.megabytes(rssNodesUp[component])) / \(Format.megabytes(rssPods[component])) / "
                + "\(Format.megabytes(rssDeployment[component]))\n"
        }
        out += "  CPU seconds by phase (pods incl. deletes / Deployment):\n"
        for component in ClusterServer.components {
            out += "    \(component): " + String(format: "%.1f / %.1f", cpuPods[component] ?? .nan, cpuDeployment[component] ?? .nan) + "\n"
        }
        return out
    }
}

extension Format {
    static func seconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%.1f s", value)
    }
}
