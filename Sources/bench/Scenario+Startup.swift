import Foundation

/// Start-up time: process start to the first `/readyz` 200, on a fresh data directory (cold) and
/// restarted on the same one (warm).
struct StartupResult: Sendable, Codable {
    var coldMilliseconds: [Double]
    var warmMilliseconds: [Double]
    var coldMedian: Double { LatencyStats(milliseconds: coldMilliseconds).p50 }
    var warmMedian: Double { LatencyStats(milliseconds: warmMilliseconds).p50 }
}

enum StartupScenario {
    static func run(binary: String, pki: TestPKI, workDirectory: String, runs: Int) async throws -> StartupResult {
        var result = StartupResult(coldMilliseconds: [], warmMilliseconds: [])
        for run in 0..<runs {
            let dataDirectory = "\(workDirectory)/startup-\(run)"
            let database = "\(dataDirectory)/db/state.db"
            for warm in [false, true] {
                let (elapsed, server) = try await startTimed(binary: binary, pki: pki, database: database,
                                                             workDirectory: workDirectory)
                if warm {
                    result.warmMilliseconds.append(elapsed)
                } else {
                    result.coldMilliseconds.append(elapsed)
                }
                server.stop()
            }
            try? FileManager.default.removeItem(atPath: dataDirectory)
        }
        return result
    }

    /// Starts a server and returns milliseconds from process start to the first `/readyz` 200.
    static func startTimed(binary: String, pki: TestPKI, database: String,
                           workDirectory: String) async throws -> (Double, ServerProcess) {
        let server = try ServerProcess.start(binary: binary, pki: pki, databasePath: database, workDirectory: workDirectory)
        let client: APIClient
        do {
            client = try APIClient(pki: pki, baseURL: server.baseURL, proto: .http1, connections: 1)
        } catch {
            server.stop()
            throw error
        }
        do {
            try await client.waitReady(timeout: .seconds(30), pollEvery: .milliseconds(2))
        } catch {
            await client.shutdown()
            server.stop()
            throw error
        }
        let elapsed = (ContinuousClock.now - server.startedAt).inMilliseconds
        await client.shutdown()
        return (elapsed, server)
    }
}
