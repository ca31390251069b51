import Foundation

/// One load run as reported.
struct LoadFigure: Sendable, Codable {
    var protocolName: String
    var concurrency: Int
    var completed: Int
    var errors: Int
    var firstError: String?
    var seconds: Double
    var perSecond: Double
    var latency: LatencyStats
    /// CPU the server and the bench client used during the run, per completed request (microseconds).
    var serverCPUPerRequest: Double?
    var clientCPUPerRequest: Double?

    init(protocolName: String, concurrency: Int, _ result: LoadResult) {
        self.protocolName = protocolName
        self.concurrency = concurrency
        completed = result.completed
        errors = result.errors
        firstError = result.firstError
        seconds = result.seconds
        perSecond = result.perSecond
        latency = result.latency
    }

    /// Records CPU use measured around the run.
    mutating func attachCPU(server: Double?, client: Double) {
        let n = Double(max(completed, 1))
        serverCPUPerRequest = server.map { $0 / n * 1e6 }
        clientCPUPerRequest = client / n * 1e6
    }

    var cpuText: String {
        guard let s = serverCPUPerRequest, let c = clientCPUPerRequest else { return "" }
        return String(format: "; CPU per request: server %.0f us, client %.0f us", s, c)
    }

    var label: String { "\(protocolName), \(concurrency) clients" }
}

struct Machine: Sendable, Codable {
    var cores: Int
    var cpuModel: String
    var date: String

    static func current() -> Machine {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        var model = "unknown"
        if let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let value = line.split(separator: ":", maxSplits: 1).last {
            model = value.trimmingCharacters(in: .whitespaces)
        }
        let formatter = ISO8601DateFormatter()
        return Machine(cores: ProcessInfo.processInfo.activeProcessorCount, cpuModel: model,
                       date: formatter.string(from: Date()))
    }
}

/// Everything one run measured; printed as a table or JSON.
struct BenchReport: Sendable, Codable {
    var scale: Scale
    var machine: Machine
    var rawSQLite: RawSQLiteResult?
    var startup: StartupResult?
    var supervisorStartup: StartupResult?
    var memoryIdle: MemoryFigures?
    var creates: [LoadFigure] = []
    var gets: [LoadFigure] = []
    var watch: WatchResult?
    var podCreates: LoadFigure?
    var list: ListScenario.Result?
    var memoryAfterPodCreates: MemoryFigures?
    var memoryWithPods: MemoryFigures?
    var warmStartWithPods: Double?
    var memoryIdleWithPodsStored: MemoryFigures?
    var notes: [String] = []

    init(scale: Scale, machine: Machine) {
        self.scale = scale
        self.machine = machine
    }

    var bestCreate: LoadFigure? { creates.filter { $0.errors == 0 }.max { $0.perSecond < $1.perSecond } ?? creates.first }
    var bestGet: LoadFigure? { gets.filter { $0.errors == 0 }.max { $0.perSecond < $1.perSecond } ?? gets.first }
    var bestCreateProtocol: WireProtocol { WireProtocol(rawValue: bestCreate?.protocolName ?? "") ?? .http1 }

    /// The target table plus details.
    func table() -> String {
        var rows: [(String, String, String, String)] = []
        func row(_ name: String, _ target: String, _ measured: String, _ met: Bool?) {
            rows.append((name, target, measured, met.map { $0 ? "yes" : "NO" } ?? "-"))
        }
        if let c = bestCreate {
            row("Creates/s, small ConfigMaps", ">= 2,000/s", "\(Format.rate(c.perSecond))/s (\(c.label))", c.perSecond >= 2000 && c.errors == 0)
        }
        if let g = bestGet {
            row("Gets/s, one object", ">= 10,000/s", "\(Format.rate(g.perSecond))/s (\(g.label))", g.perSecond >= 10_000 && g.errors == 0)
        }
        if let l = list {
            row("List \(Format.count(l.pods)) pods, median", "< 150 ms", Format.ms(l.medianMilliseconds), l.medianMilliseconds < 150)
            row("List \(Format.count(l.pods)) pods, max of \(l.runs)", "< 150 ms", Format.ms(l.maxMilliseconds), l.maxMilliseconds < 150)
        }
        if let w = watch {
            row("Watch \(w.watchers) watchers, p50", "-", Format.ms(w.fromResponse.p50), nil)
            row("Watch \(w.watchers) watchers, p99", "< 50 ms", Format.ms(w.fromResponse.p99), w.fromResponse.p99 < 50 && w.missing == 0)
        }
        if let s = startup {
            row("Start-up apiserver, fresh dir (median)", "< 1 s", Format.ms(s.coldMedian), s.coldMedian < 1000)
            row("Start-up apiserver, warm (median)", "< 0.5 s", Format.ms(s.warmMedian), s.warmMedian < 500)
        }
        if let s = supervisorStartup {
            row("Start-up `swiftlet server`, fresh (median)", "< 1 s", Format.ms(s.coldMedian), s.coldMedian < 1000)
            row("Start-up `swiftlet server`, warm (median)", "< 0.5 s", Format.ms(s.warmMedian), s.warmMedian < 500)
        }
        if let m = memoryIdle {
            row("apiserver RSS idle (PSS)", "< 40 MB", "\(Format.megabytes(m.rss)) (\(Format.megabytes(m.pss)))",
                m.rss.map { $0 < 40 << 20 })
        }
        if let m = memoryWithPods, let l = list {
            row("apiserver RSS, \(Format.count(l.pods)) pods (PSS)", "< 120 MB", "\(Format.megabytes(m.rss)) (\(Format.megabytes(m.pss)))",
                m.rss.map { $0 < 120 << 20 })
        }

        var out = "Swiftlet API server benchmark (\(scale.name)); \(machine.cores) cores, \(machine.cpuModel), \(machine.date)\n"
        out += "Client and server share the machine's cores; the server is a separate process.\n\n"
        out += Format.table(header: ("Figure", "Target", "Measured", "Met"), rows: rows)
        out += "\nDetails\n"
        if let r = rawSQLite {
            out += "  raw SQLite insert (\(r.valueSize) B rows): \(Format.rate(r.singleRowPerSecond))/s single-row transactions, "
                + "\(Format.rate(r.batchedPerSecond))/s in batches of \(r.batchSize)\n"
            if let c = bestCreate {
                out += "  best create rate = \(Format.percent(c.perSecond / r.singleRowPerSecond)) of single-row ceiling, "
                    + "\(Format.percent(c.perSecond / r.batchedPerSecond)) of batched ceiling\n"
            }
        }
        for (title, figures) in [("creates", creates), ("gets", gets)] {
            for f in figures {
                out += "  \(title) \(f.label): \(Format.rate(f.perSecond))/s over \(Format.count(f.completed)) in "
                    + "\(String(format: "%.1f", f.seconds)) s; latency p50 \(Format.ms(f.latency.p50)) p99 \(Format.ms(f.latency.p99)) "
                    + "max \(Format.ms(f.latency.max))\(f.cpuText); errors \(f.errors)\(f.firstError.map { " (\($0.prefix(160)))" } ?? "")\n"
            }
        }
        if let w = watch {
            out += "  watch: \(w.events) writes x \(w.watchers) watchers, \(Format.count(w.delivered)) deliveries, \(w.missing) missing; "
                + "from write response p50 \(Format.ms(w.fromResponse.p50)) p99 \(Format.ms(w.fromResponse.p99)) max \(Format.ms(w.fromResponse.max)); "
                + "from write request p50 \(Format.ms(w.fromRequest.p50)) p99 \(Format.ms(w.fromRequest.p99)); "
                + "\(w.beforeResponse) deliveries arrived before the write's response (counted as 0 ms)\n"
        }
        if let p = podCreates {
            out += "  pod creates \(p.label): \(Format.rate(p.perSecond))/s; p99 \(Format.ms(p.latency.p99))\(p.cpuText); errors \(p.errors)\n"
        }
        if let l = list {
            out += "  pod list: \(Format.count(l.listed)) items, \(Format.megabytes(l.bodyBytes)) body; min \(Format.ms(l.minMilliseconds)) "
                + "median \(Format.ms(l.medianMilliseconds)) max \(Format.ms(l.maxMilliseconds)) over \(l.runs) runs\n"
        }
        for (title, s) in [("apiserver", startup), ("swiftlet server", supervisorStartup)] {
            guard let s else { continue }
            out += "  start-up \(title): fresh " + s.coldMilliseconds.map { Format.ms($0) }.joined(separator: ", ")
                + "; warm " + s.warmMilliseconds.map { Format.ms($0) }.joined(separator: ", ") + "\n"
        }
        if let m = memoryAfterPodCreates {
            out += "  apiserver memory after the pod creates, before any list: RSS \(Format.megabytes(m.rss)) (PSS \(Format.megabytes(m.pss))); "
                + "after the lists: RSS \(Format.megabytes(memoryWithPods?.rss)) (PSS \(Format.megabytes(memoryWithPods?.pss)))\n"
        }
        if let w = warmStartWithPods {
            out += "  warm start-up with the pods stored: \(Format.ms(w)); idle RSS then \(Format.megabytes(memoryIdleWithPodsStored?.rss)) "
                + "(PSS \(Format.megabytes(memoryIdleWithPodsStored?.pss)))\n"
        }
        for note in notes { out += "  note: \(note)\n" }
        return out
    }
}

enum Format {
    static func rate(_ value: Double) -> String { count(Int(value.rounded())) }

    static func count(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (i, ch) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && ch != "-" { out.append(",") }
            out.append(ch)
        }
        return String(out.reversed())
    }

    static func ms(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "n/a" }
        return value < 10 ? String(format: "%.2f ms", value) : String(format: "%.1f ms", value)
    }

    static func megabytes(_ bytes: Int?) -> String {
        guard let bytes else { return "n/a" }
        return String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }

    static func percent(_ fraction: Double) -> String { String(format: "%.0f%%", fraction * 100) }

    static func table(header: (String, String, String, String), rows: [(String, String, String, String)]) -> String {
        let all = [header] + rows
        let cells: [[String]] = all.map { [$0.0, $0.1, $0.2, $0.3] }
        var widths = [0, 0, 0, 0]
        for row in cells {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        func line(_ row: [String]) -> String {
            var parts: [String] = []
            for (column, cell) in row.enumerated() {
                parts.append(cell + String(repeating: " ", count: widths[column] - cell.count))
            }
            return "| " + parts.joined(separator: " | ") + " |\n"
        }
        let rule = widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|")
        var out = line(cells[0]) + "|" + rule + "|\n"
        for row in cells.dropFirst() { out += line(row) }
        return out
    }
}
