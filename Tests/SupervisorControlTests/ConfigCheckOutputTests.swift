import Foundation
import Testing
@testable import SwiftletCLI

/// The text `check-config` prints, and the real host probe on real files: the parts that used
/// Foundation's formatting and file APIs before the CLI moved to FoundationEssentials.
@Suite struct ConfigCheckOutputTests {
    @Test func renderAlignsColumnsAndIndentsFixes() {
        let results = [
            CheckResult(.ok, "kernel", "6.1.0"),
            CheckResult(.warning, "ip forwarding", "net.ipv4.ip_forward = 0", fix: "sysctl -w net.ipv4.ip_forward=1"),
            CheckResult(.missing, "binary swiftlet-apiserver", "not found", fix: "install it"),
            CheckResult(.fail, "x", "taken", fix: "free it", required: false),
        ]
        #expect(ConfigCheck.render(results) == """
            ok       kernel                      6.1.0
            warning  ip forwarding               net.ipv4.ip_forward = 0
                     fix: sysctl -w net.ipv4.ip_forward=1
            missing  binary swiftlet-apiserver   not found
                     fix: install it
            fail     x                           taken (optional)
                     fix: free it

            1 required items missing or failing (2 warnings)

            """)
    }

    @Test(arguments: [(UInt32(0o755), "0755"), (0o1777, "1777"), (0o070, "0070"), (0o700, nil)])
    func runDirModeIsPrintedInOctal(mode: UInt32, expected: String?) {
        let probe = ConfigCheckTests.host(modes: ["/run/sw": mode])
        let line = ConfigCheck.run(ConfigCheckTests.context, probe: probe).first { $0.item == "run dir mode" }
        #expect(line?.detail == expected.map { "/run/sw is \($0)" })
        #expect(line?.fix == expected.map { _ in "chmod 700 /run/sw" })
    }

    @Test(arguments: [(" 1 \n", CheckResult.Status.ok, "net.ipv4.ip_forward = 1"),
                      ("0\n", .warning, "net.ipv4.ip_forward = 0"), ("\t2\n\n", .warning, "net.ipv4.ip_forward = 2")])
    func ipForwardingValueIsTrimmed(file: String, status: CheckResult.Status, detail: String) {
        let probe = ConfigCheckTests.host(files: ["/proc/sys/net/ipv4/ip_forward": file])
        let line = ConfigCheck.run(ConfigCheckTests.context, probe: probe).first { $0.item == "ip forwarding" }
        #expect(line?.status == status)
        #expect(line?.detail == detail)
    }

    @Test(arguments: [("/a/b/c", "/a/b"), ("/a", "/"), ("/a/b/", "/a"), ("/", "/"), ("a", ""), ("a/b", "a"), ("//a", "/")])
    func parentDirectoryMatchesNSString(path: String, parent: String) {
        #expect(HostChecks.parent(of: path) == parent)
    }

    @Test func missingDirectoryNamesItsNearestExistingAncestor() {
        let context = CheckContext(dataDir: "/data/new/deeper", runDir: "/run/sw", httpsListenPort: 6443,
                                   binaryDirectory: "/bin", pathVariable: "/usr/bin")
        let creatable = ConfigCheck.run(context, probe: ConfigCheckTests.host()).first { $0.item == "data dir" }
        #expect(creatable?.status == .ok)
        #expect(creatable?.detail == "/data/new/deeper will be created")

        var readOnly = ConfigCheckTests.host()
        readOnly.isWritable = { $0 != "/data" }
        let blocked = ConfigCheck.run(context, probe: readOnly).first { $0.item == "data dir" }
        #expect(blocked?.status == .missing)
        #expect(blocked?.detail == "/data/new/deeper cannot be created (/data is not writable)")
        #expect(blocked?.fix == "run as root, or pass --data-dir with a writable directory")
    }

    @Test func systemProbeReadsRealFiles() throws {
        let dir = try TemporaryDirectory()
        let file = dir.path + "/file"
        try "text\n".write(toFile: file, atomically: false, encoding: .utf8)
        chmod(file, 0o640)
        try FileManager.default.createDirectory(atPath: dir.path + "/sub", withIntermediateDirectories: false)
        let probe = HostProbe.system
        #expect(probe.readFile(file) == "text\n")
        #expect(probe.readFile(dir.path + "/absent") == nil)
        #expect(probe.listDirectory(dir.path).sorted() == ["file", "sub"])
        #expect(probe.listDirectory(dir.path + "/absent") == [])
        #expect(probe.exists(file) && probe.exists(dir.path + "/sub") && !probe.exists(dir.path + "/absent"))
        #expect(probe.isDirectory(dir.path + "/sub") && !probe.isDirectory(file))
        #expect(!probe.isExecutable(file) && !probe.isExecutable(dir.path + "/sub"))
        #expect(probe.mode(file) == 0o640)
        #expect(probe.mode(dir.path + "/absent") == nil)
        // /proc files report size 0: they must still be read to the end.
        #expect(probe.readFile("/proc/self/status")?.contains("Pid:") == true)
        #expect(probe.kernelRelease()?.isEmpty == false)
    }
}
