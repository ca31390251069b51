import CRI
import FoundationEssentials
import Glibc
import KubeAPI
import KubeClient
import KubeHTTP
import SwiftletSystem

extension KubeletAPI {
    /// How often a follow looks for appended bytes, and how often it asks the runtime whether
    /// the container still runs (a follow ends when it stops, as upstream's does).
    static let followPoll: Duration = .milliseconds(200)
    static let followStatusEvery = 5

    /// `/containerLogs/{ns}/{pod}/{container}`: the log of the container's current (or, with
    /// `previous`, last terminated) run, read from the CRI log file.
    func serveContainerLogs(namespace: String, pod podName: String, container: String,
                            query: [(name: String, value: String)], writer: HTTPResponseWriter) async throws {
        let options = try PodLogOptions(query: query)
        guard let pod = agent.podInformer.cache.get(namespace: namespace, name: podName) else {
            throw StatusError(code: 404, reason: "NotFound", message: "pod \"\(podName)\" does not exist")
        }
        let spec = ["initContainers", "containers", "ephemeralContainers"].flatMap { pod["spec"][$0].arrayValue ?? [] }
        guard let containerSpec = spec.first(where: { $0["name"].stringValue == container }) else {
            throw StatusError(code: 404, reason: "NotFound", message: "container \"\(container)\" not found in pod \"\(podName)\"")
        }
        let uid = pod["metadata"]["uid"].stringValue ?? ""
        let runtimePod = try await agent.observe(uid: uid, includeStopped: true)
        let observed = agent.observation(pod: pod, container: containerSpec, runtimePod: runtimePod)
        let containerID = try Self.logContainerID(observed, container: container, pod: podName, previous: options.previous)
        guard let run = runtimePod.runs[container]?.first(where: { $0.id == containerID }), !run.logPath.isEmpty else {
            throw StatusError.internalError("container \"\(container)\" in pod \"\(podName)\" has no log file")
        }
        try await stream(path: run.logPath, containerID: containerID,
                         follow: options.follow && run.state == .containerRunning, options: options, writer: writer)
    }

    /// The runtime container whose log answers the request (upstream's `validateContainerLogStatus`).
    static func logContainerID(_ observed: ContainerObservation, container: String, pod: String, previous: Bool) throws(StatusError) -> String {
        func bare(_ id: String) -> String {
            id.firstRange(of: "://").map { String(id[$0.upperBound...]) } ?? id
        }
        let last = observed.lastTerminated.map { bare($0.containerID) }.flatMap { $0.isEmpty ? nil : $0 }
        if previous {
            guard let last else {
                throw .badRequest("previous terminated container \"\(container)\" in pod \"\(pod)\" not found")
            }
            return last
        }
        switch observed.state {
        case .running(let id, _):
            return bare(id)
        case .terminated(let t):
            let id = bare(t.containerID)
            if !id.isEmpty { return id }
            if let last { return last }
            throw .badRequest("container \"\(container)\" in pod \"\(pod)\" is terminated")
        case .waiting(let reason, _):
            // CrashLoopBackOff and the like: the run that just ended.
            if let last { return last }
            switch reason {
            case "ErrImagePull": throw .badRequest("container \"\(container)\" in pod \"\(pod)\" is waiting to start: image can't be pulled")
            case "ImagePullBackOff": throw .badRequest("container \"\(container)\" in pod \"\(pod)\" is waiting to start: trying and failing to pull image")
            default: throw .badRequest("container \"\(container)\" in pod \"\(pod)\" is waiting to start: \(reason)")
            }
        }
    }

    /// Writes the file's records from the tail position, then (with `follow`) what the runtime
    /// appends until the container stops or the client goes away (the write then throws).
    private func stream(path: String, containerID: String, follow: Bool, options: PodLogOptions,
                        writer: HTTPResponseWriter) async throws {
        guard let file = try? ReadOnlyFile(path: path) else {
            throw StatusError.internalError("failed to open log file \"\(path)\"")
        }
        var formatter = ContainerLogFormatter(options: options)
        if let tail = options.tailLines {
            let all = try file.readToEnd()
            try file.seek(to: ContainerLogFormatter.tailStart(of: all, lines: tail))
        }
        try await writer.writeHead(status: .ok, headers: ["Content-Type": "text/plain", "Cache-Control": "no-cache, private"])
        var idle = 0
        while true {
            let chunk = try file.read(upTo: 64 * 1024)
            if !chunk.isEmpty {
                idle = 0
                let output = formatter.consume(chunk)
                if !output.isEmpty { try await writer.writeBody(output) }
                if formatter.isExhausted { break }
                continue
            }
            guard follow else { break }
            idle += 1
            if idle % Self.followStatusEvery == 0, !(await containerRuns(containerID)) {
                // One last read: the final lines may have landed after the previous one.
                let rest = formatter.consume(try file.readToEnd())
                if !rest.isEmpty { try await writer.writeBody(rest) }
                break
            }
            try await Task.sleep(for: Self.followPoll)
        }
        try await writer.end()
    }

    private func containerRuns(_ id: String) async -> Bool {
        guard let status = try? await agent.runtime.containerStatus(id, timeout: .seconds(5)) else { return false }
        return status.status.state == .containerRunning
    }
}
