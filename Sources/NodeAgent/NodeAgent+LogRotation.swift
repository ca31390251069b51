import CRI
import FoundationEssentials
import Glibc
import SwiftletSystem

extension NodeAgent {
    /// Rotates the logs of running containers every `logRotationInterval` (upstream: 10 s).
    func logRotationLoop() async {
        while (try? await Task.sleep(for: options.logRotationInterval)) != nil {
            await rotateContainerLogs()
        }
    }

    func rotateContainerLogs() async {
        var filter = Runtime_V1_ContainerFilter()
        filter.state.state = .containerRunning
        guard let containers = try? await runtime.listContainers(filter: filter) else { return }
        for container in containers {
            guard let status = try? await runtime.containerStatus(container.id).status, !status.logPath.isEmpty else { continue }
            await rotateIfNeeded(containerID: container.id, logPath: status.logPath)
        }
    }

    func rotateIfNeeded(containerID: String, logPath: String) async {
        let files = FileManager.default
        // stat, not FileManager's attributes: FoundationEssentials gives `.size` as a UInt64, so the
        // `as? Int64` that worked with Foundation's NSNumber silently never matched.
        var info = stat()
        guard stat(logPath, &info) == 0, Int64(info.st_size) > options.containerLogMaxSize else { return }
        let directory = PathName.directory(of: logPath)
        let names = (try? files.contentsOfDirectory(atPath: directory)) ?? []
        for old in LogRotation.excess(rotated: LogRotation.rotatedFiles(of: logPath, in: names), maxFiles: options.containerLogMaxFiles) {
            try? files.removeItem(atPath: old)
        }
        let rotated = LogRotation.rotatedPath(of: logPath, at: Date())
        guard !files.fileExists(atPath: rotated) else { return }  // rotated this second already
        do {
            try files.moveItem(atPath: logPath, toPath: rotated)
        } catch {
            logger.warning("cannot rotate a container log", metadata: ["path": "\(logPath)", "error": "\(error)"])
            return
        }
        do {
            try await runtime.reopenContainerLog(containerID)
        } catch {
            // The runtime still writes to the renamed file: put it back, as upstream does.
            try? files.moveItem(atPath: rotated, toPath: logPath)
            logger.warning("cannot reopen a container log", metadata: ["container": "\(containerID)", "error": "\(error)"])
        }
    }
}
