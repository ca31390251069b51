import Foundation
import SwiftletCore
import Supervision
import Testing

@Suite struct ExecutableLocatorTests {
    @Test func prefersTheDirectoryOfTheRunningBinary() throws {
        let present: Set = ["/opt/sw/bin/swiftlet-apiserver", "/usr/lib/swiftlet/swiftlet-apiserver"]
        let path = try ExecutableLocator.locate(
            "swiftlet-apiserver", selfExecutable: "/opt/sw/bin/swiftlet", isExecutable: present.contains)
        #expect(path == "/opt/sw/bin/swiftlet-apiserver")
    }

    @Test func fallsBackToTheLibraryDirectory() throws {
        let present: Set = ["/usr/lib/swiftlet/swiftlet-apiserver"]
        let path = try ExecutableLocator.locate(
            "swiftlet-apiserver", selfExecutable: "/usr/bin/swiftlet", isExecutable: present.contains)
        #expect(path == "/usr/lib/swiftlet/swiftlet-apiserver")
        let unknownSelf = try ExecutableLocator.locate("swiftlet-apiserver", selfExecutable: nil, isExecutable: present.contains)
        #expect(unknownSelf == "/usr/lib/swiftlet/swiftlet-apiserver")
    }

    @Test func missingExecutableSaysWhereItLooked() throws {
        let error = try #require(throws: SupervisionError.self) {
            try ExecutableLocator.locate("swiftlet-apiserver", selfExecutable: "/a/swiftlet", isExecutable: { _ in false })
        }
        #expect(error.description.contains("/a"))
        #expect(error.description.contains("/usr/lib/swiftlet"))
    }

    @Test(arguments: ["", "../swiftlet-apiserver", "bin/sh", ".", ".."])
    func namesWithPathsAreRejected(name: String) {
        #expect(throws: SupervisionError.self) {
            try ExecutableLocator.locate(name, selfExecutable: "/a/swiftlet", isExecutable: { _ in true })
        }
    }

    @Test func realFileChecks() throws {
        #expect(ExecutableLocator.isExecutableFile("/bin/sh"))
        #expect(!ExecutableLocator.isExecutableFile("/etc/hostname") || access("/etc/hostname", X_OK) == 0)
        #expect(!ExecutableLocator.isExecutableFile("/bin"))
        #expect(!ExecutableLocator.isExecutableFile("/nonexistent/swiftlet-apiserver"))
        #expect(ExecutableLocator.currentExecutable()?.hasPrefix("/") == true)
    }
}

@Suite struct ChildEnvironmentTests {
    @Test func removesSupervisorOnlyVariablesAndAddsTheMarker() {
        let environment = [
            "PATH": "/usr/bin", "HOME": "/root", "NOTIFY_SOCKET": "/run/systemd/notify",
            "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1", "LISTEN_FDS": "2", "LISTEN_PID": "1",
            "SWIFTLET_MANAGED": "0", "NOTIFY_SOCKET_OTHER": "kept",
        ]
        let result = ChildEnvironment.sanitized(environment)
        #expect(result == ["PATH": "/usr/bin", "HOME": "/root", "SWIFTLET_MANAGED": "1", "NOTIFY_SOCKET_OTHER": "kept"])
    }

    @Test func envpIsSortedAndDropsUnrepresentableEntries() {
        let envp = ChildEnvironment.envp(["B": "2", "A": "1=x", "BAD=NAME": "v", "": "empty", "NUL": "a\u{0}b"])
        #expect(envp == ["A=1=x", "B=2"])
    }
}
