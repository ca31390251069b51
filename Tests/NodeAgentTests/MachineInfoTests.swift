import Foundation
import NodeAgent
import Testing

@Suite struct MachineInfoTests {
    @Test(arguments: [
        ("MemTotal:       16318768 kB\nMemFree:         1234 kB\n", Int64(16318768) * 1024),
        ("MemFree: 1 kB\nMemTotal: 2048 kB\n", Int64(2048 * 1024)),
        ("MemTotal: lots kB\n", nil),
        ("", nil),
        ("MemTotal:\n", nil),
    ] as [(String, Int64?)])
    func memTotal(text: String, expected: Int64?) {
        #expect(MachineInfo.parseMemTotal(text) == expected)
    }

    @Test func osImage() {
        #expect(MachineInfo.parseOSImage("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n") == "Debian GNU/Linux 12 (bookworm)")
        #expect(MachineInfo.parseOSImage("PRETTY_NAME=Alpine\n") == "Alpine")
        #expect(MachineInfo.parseOSImage("NAME=x\n") == nil)
        #expect(MachineInfo.parseOSImage("PRETTY_NAME=\"\"\n") == nil)
    }

    @Test func defaultRouteInterface() {
        let table = """
            Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
            eth1\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
            wlan0\t00000000\t010200C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
            eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
            """
        #expect(MachineInfo.parseDefaultRouteInterface(table) == "eth0")
        #expect(MachineInfo.parseDefaultRouteInterface("Iface\tDestination\n") == nil)
        #expect(MachineInfo.parseDefaultRouteInterface("garbage") == nil)
    }

    @Test func currentMachine() throws {
        let machine = MachineInfo.current(dataDirectory: "/tmp")
        let memory = try #require(MachineInfo.parseMemTotal(String(contentsOfFile: "/proc/meminfo", encoding: .utf8)))
        #expect(machine.memoryBytes == memory)
        #expect(machine.cpuCount >= 1)
        #expect(machine.ephemeralStorageBytes > 0)
        #expect(!machine.kernelVersion.isEmpty)
        #expect(machine.internalIP.split(separator: ".").count == 4)
        let capacity = Dictionary(uniqueKeysWithValues: machine.capacity)
        #expect(capacity["memory"] == "\(memory / 1024)Ki")
        #expect(capacity["pods"] == "110")
    }
}
