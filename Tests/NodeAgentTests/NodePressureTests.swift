import Foundation
import KubeAPI
import Testing
@testable import NodeAgent

@Suite struct NodePressureTests {
    @Test func thresholdsParseUpstreamSyntax() throws {
        let t = try EvictionThresholds(parsing: "memory.available<1Gi, nodefs.available<12.5%,pid.available<1000")
        #expect(t.limits == ["memory.available": .amount(1 << 30), "nodefs.available": .percent(12.5), "pid.available": .amount(1000)])
        #expect(try EvictionThresholds(parsing: "").limits.isEmpty)
        #expect(EvictionThresholds.defaults.limits["memory.available"] == .amount(100 << 20))
    }

    @Test(arguments: [("memory.available>1Gi", "is not <signal>"), ("cpu.available<1", "is not one of"),
                      ("nodefs.available<120%", "percentage"), ("memory.available<lots", "not a quantity"),
                      ("memory.available<-1", "negative")])
    func badThresholdsAreNamed(text: String, message: String) {
        #expect {
            _ = try EvictionThresholds(parsing: text)
        } throws: { ($0 as? EvictionThresholdError)?.description.contains(message) == true }
    }

    static let gib: Int64 = 1 << 30

    func signals(memory: Int64 = 8 << 30, disk: Int64 = 50, inodes: Int64 = 50, image: Int64 = 50, pids: Int64 = 30_000) -> NodeSignals {
        NodeSignals(measures: [
            "memory.available": .init(available: memory, capacity: 16 << 30),
            "nodefs.available": .init(available: disk, capacity: 100),
            "nodefs.inodesFree": .init(available: inodes, capacity: 100),
            "imagefs.available": .init(available: image, capacity: 100),
            "pid.available": .init(available: pids, capacity: 32_768),
        ])
    }

    @Test func signalsBelowTheirLimitSetTheirCondition() throws {
        let thresholds = try EvictionThresholds(parsing: "memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%,pid.available<10%")
        let t0 = Date(timeIntervalSince1970: 1_000)
        let cases: [(NodeSignals, (Bool, Bool, Bool))] = [
            (signals(), (false, false, false)),
            (signals(memory: 50 << 20), (true, false, false)),
            (signals(disk: 9), (false, true, false)),
            (signals(inodes: 4), (false, true, false)),
            (signals(image: 14), (false, true, false)),
            (signals(pids: 3000), (false, false, true)),
        ]
        for (observed, expected) in cases {
            var pressure = NodePressure()
            pressure.observe(observed, thresholds: thresholds, transitionPeriod: 0, now: t0)
            #expect((pressure.memory, pressure.disk, pressure.pid) == expected)
        }
        // A signal that could not be read is never pressure.
        var unknown = NodePressure()
        unknown.observe(NodeSignals(measures: [:]), thresholds: thresholds, transitionPeriod: 0, now: t0)
        #expect(!unknown.memory && !unknown.disk && !unknown.pid)
    }

    @Test func conditionHoldsForTheTransitionPeriod() {
        let t0 = Date(timeIntervalSince1970: 1_000)
        var pressure = NodePressure()
        pressure.observe(signals(disk: 1), thresholds: .defaults, transitionPeriod: 300, now: t0)
        #expect(pressure.disk)
        pressure.observe(signals(), thresholds: .defaults, transitionPeriod: 300, now: t0.addingTimeInterval(299))
        #expect(pressure.disk)
        pressure.observe(signals(), thresholds: .defaults, transitionPeriod: 300, now: t0.addingTimeInterval(301))
        #expect(!pressure.disk)
    }

    @Test func procParsers() {
        #expect(NodeSignals.parseMemAvailable("MemTotal: 100 kB\nMemFree: 10 kB\nMemAvailable:   2048 kB\n") == 2 << 20)
        #expect(NodeSignals.parseMemAvailable("MemTotal: 100 kB\n") == nil)
        #expect(NodeSignals.parseProcessCount("0.10 0.20 0.30 2/345 6789\n") == 345)
        #expect(NodeSignals.parseProcessCount("garbage") == nil)
        // The machine's own signals can be read.
        let real = NodeSignals.read(nodefsPath: "/", imagefsPath: "/")
        #expect(real.measures["memory.available"].map { $0.available > 0 && $0.available <= $0.capacity } == true)
        #expect(real.measures["nodefs.available"] != nil && real.measures["pid.available"] != nil)
    }

    @Test func nodeStatusShowsPressure() {
        let description = NodeDescription(name: "n", machine: MachineInfo.current(dataDirectory: "/"), containerRuntimeVersion: "containerd://1.6", controlPlane: false)
        var pressure = NodePressure()
        pressure.disk = true
        let status = description.status(previous: nil, notReadyReason: nil, pressure: pressure, now: Date())
        let disk = status["conditions"].arrayValue?.first { $0["type"] == "DiskPressure" }
        #expect(disk?["status"] == "True")
        #expect(disk?["reason"] == "KubeletHasDiskPressure")
        #expect(description.statusNeedsUpdate(status, notReadyReason: nil, pressure: pressure) == false)
        #expect(description.statusNeedsUpdate(status, notReadyReason: nil, pressure: NodePressure()) == true)
    }
}
