import Testing
@testable import SwiftletCore

/// `disable`, `disable-scheduler`, ... through flags, environment and config files.
@Suite struct DisableSettingTests {
    let host = HostFacts(uid: 1000, home: "/home/ada", hostname: "lab", workingDirectory: "/tmp")

    @Test func defaultDisablesNothing() throws {
        #expect(try ServerConfig.resolve(ServerConfigInputs(), host: host).disabledComponents == [])
    }

    @Test func listAndK3sSwitchesCombine() throws {
        let file = try ConfigFile.parse("""
            disable:
              - traefik
              - Scheduler
            disable-kube-proxy: true
            disable-cloud-controller: true
            """, path: "/etc/swiftlet/config.yaml")
        let inputs = ServerConfigInputs(flags: [.disableControllerManager: .scalar("true"), .disable: .list(["scheduler,servicelb"])],
                                        environment: [:], files: [file])
        // The flag's list replaces the file's list; switches add to it.
        #expect(try ServerConfig.resolve(inputs, host: host).disabledComponents == ["controllers", "proxy", "scheduler", "servicelb"])
    }

    @Test func environmentVariableWorks() throws {
        let inputs = ServerConfigInputs(environment: ["SWIFTLET_DISABLE_SCHEDULER": "yes"])
        #expect(try ServerConfig.resolve(inputs, host: host).disabledComponents == ["scheduler"])
    }

    @Test(arguments: [
        (ServerSetting.disableScheduler, "maybe", "disable-scheduler"),
        (ServerSetting.disable, "bad_name", "disable"),
    ])
    func badValuesNameTheKey(setting: ServerSetting, value: String, key: String) {
        #expect {
            try ServerConfig.resolve(ServerConfigInputs(flags: [setting: .scalar(value)]), host: host)
        } throws: { error in
            (error as? ServerConfigError)?.key == key
        }
    }
}
