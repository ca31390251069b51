import CRI
import Foundation
import KubeAPI
import NodeAgent
import Testing

@Suite struct PodVolumesTests {
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "pod-volumes-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func mounted(_ path: String) -> Bool {
        let real = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? path
        let table = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return table.split(separator: "\n").contains { $0.split(separator: " ").dropFirst(4).first.map(String.init) == real }
    }

    // MARK: hostPath types

    @Test func hostPathTypes() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/file"
        FileManager.default.createFile(atPath: file, contents: Data())
        let cases: [(String, String, String?)] = [
            (dir, "", nil), (dir + "/missing", "", nil),
            (dir, "Directory", nil), (file, "Directory", "hostPath type check failed: \(file) is not a directory"),
            (dir + "/missing", "Directory", "hostPath type check failed: \(dir)/missing is not a directory"),
            (file, "File", nil), (dir, "File", "hostPath type check failed: \(dir) is not a file"),
            (dir, "Socket", "hostPath type check failed: \(dir) is not a socket file"),
            ("/dev/null", "CharDevice", nil), (file, "CharDevice", "hostPath type check failed: \(file) is not a character device"),
            ("/dev/null", "BlockDevice", "hostPath type check failed: /dev/null is not a block device"),
            (file, "DirectoryOrCreate", "hostPath type check failed: \(file) is not a directory"),
            (dir, "FileOrCreate", "hostPath type check failed: \(dir) is not a file"),
            (dir, "Bogus", "Bogus is an invalid volume type"),
        ]
        for (path, type, message) in cases {
            do {
                try HostPathType.check(path: path, type: type)
                #expect(message == nil, "\(type) \(path)")
            } catch {
                #expect(error.description == message, "\(type) \(path)")
            }
        }
        try HostPathType.check(path: dir + "/made/deep", type: "DirectoryOrCreate")
        var isDir: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: dir + "/made/deep", isDirectory: &isDir) && isDir.boolValue)
        try HostPathType.check(path: dir + "/new-file", type: "FileOrCreate")
        #expect(FileManager.default.fileExists(atPath: dir + "/new-file", isDirectory: &isDir) && !isDir.boolValue)
    }

    // MARK: subPath

    @Test func subPathStaysInsideTheVolume() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let volume = dir + "/vol"
        try FileManager.default.createDirectory(atPath: volume, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: volume + "/out", withDestinationPath: "/etc")
        try FileManager.default.createDirectory(atPath: volume + "/sub", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: volume + "/in", withDestinationPath: "sub")
        try FileManager.default.createSymbolicLink(atPath: volume + "/dangling", withDestinationPath: "/nonexistent-\(UUID())")
        let real = try #require(VolumeMountsTestSupport.realPath(volume))
        #expect(try VolumeMounts.resolve(subPath: "a/b", in: volume) == real + "/a/b")
        #expect(FileManager.default.fileExists(atPath: volume + "/a/b"))
        #expect(try VolumeMounts.resolve(subPath: "in", in: volume) == real + "/sub")
        for bad in ["../x", "a/../../x", "/etc", "out", "out/new", "dangling"] {
            #expect(throws: ContainerSpecError.self, "\(bad)") { try VolumeMounts.resolve(subPath: bad, in: volume) }
        }
        #expect(!FileManager.default.fileExists(atPath: "/etc/new"))
    }

    @Test func containerMounts() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let volumes = ["data": PodVolumePath(hostPath: dir), "cfg": PodVolumePath(hostPath: dir, forceReadOnly: true)]
        let container: JSON = ["name": "c", "volumeMounts": [
            ["name": "data", "mountPath": "/data"],
            ["name": "data", "mountPath": "/ro", "readOnly": true, "mountPropagation": "HostToContainer"],
            ["name": "cfg", "mountPath": "/cfg"],
            ["name": "data", "mountPath": "/mine", "subPathExpr": "$(POD)"],
        ]]
        let mounts = try VolumeMounts.mounts(container: container, volumes: volumes, environment: ["POD": "web"])
        #expect(mounts.map(\.containerPath) == ["/data", "/ro", "/cfg", "/mine"])
        #expect(mounts.map(\.readonly) == [false, true, true, false])
        #expect(mounts[1].propagation == .propagationHostToContainer)
        #expect(mounts[0].propagation == .propagationPrivate)
        #expect(mounts[3].hostPath.hasSuffix("/web"))
        for (bad, message) in [(["name": "nope", "mountPath": "/x"] as JSON, "cannot find volume \"nope\""),
                               (["name": "data"], "has no mountPath"),
                               (["name": "data", "mountPath": "/x", "subPath": "../.."], "must not contain '..'"),
                               (["name": "data", "mountPath": "/x", "mountPropagation": "Sideways"], "invalid mountPropagation")] {
            #expect(throws: ContainerSpecError.self) {
                do { _ = try VolumeMounts.mounts(container: ["name": "c", "volumeMounts": [bad]], volumes: volumes, environment: [:]) } catch {
                    #expect("\(error)".contains(message))
                    throw error
                }
            }
        }
    }

    // MARK: payloads

    static let pod: JSON = [
        "metadata": ["name": "web", "namespace": "shop", "uid": "u-1",
                     "labels": ["b": "2", "a": "x\"y"], "annotations": ["note": "multi\nline"]],
        "spec": ["containers": [["name": "main", "image": "x", "resources": ["limits": ["memory": "64Mi"]]]]],
    ]

    @Test func downwardAPIRendering() throws {
        let source: JSON = ["items": [
            ["path": "labels", "fieldRef": ["fieldPath": "metadata.labels"]],
            ["path": "annotations", "fieldRef": ["fieldPath": "metadata.annotations"], "mode": 0o400],
            ["path": "name", "fieldRef": ["fieldPath": "metadata.name"]],
            ["path": "ns", "fieldRef": ["fieldPath": "metadata.namespace"]],
            ["path": "uid", "fieldRef": ["fieldPath": "metadata.uid"]],
            ["path": "one", "fieldRef": ["fieldPath": "metadata.labels['b']"]],
            ["path": "mem", "resourceFieldRef": ["containerName": "main", "resource": "limits.memory", "divisor": "1Mi"]],
            ["path": "cpu", "resourceFieldRef": ["containerName": "main", "resource": "limits.cpu"]],
        ]]
        let files = try VolumePayload.downwardAPI(source, pod: Self.pod, nodeAllocatable: ["cpu": Quantity(nanos: 2_000_000_000)], defaultMode: 0o644)
        let text = files.mapValues { String(decoding: $0.data, as: UTF8.self) }
        #expect(text == ["labels": "a=\"x\\\"y\"\nb=\"2\"", "annotations": "note=\"multi\\nline\"", "name": "web", "ns": "shop",
                         "uid": "u-1", "one": "2", "mem": "64", "cpu": "2"])
        #expect(files["annotations"]?.mode == 0o400)
        #expect(files["name"]?.mode == 0o644)
        #expect(throws: VolumeError.self) {
            try VolumePayload.downwardAPI(["items": [["path": "x", "resourceFieldRef": ["containerName": "nope", "resource": "limits.cpu"]]]],
                                          pod: Self.pod, nodeAllocatable: [:], defaultMode: 0o644)
        }
    }

    static let objects = PodObjects(configMaps: ["cfg": ["data": ["a": "1", "b": "2"], "binaryData": ["bin": "AAE="]]],
                                    secrets: ["sec": ["data": ["pw": "czNjcjN0"]]])

    @Test func configMapAndSecretPayloads() throws {
        let all = try VolumePayload.configMap(["name": "cfg"], objects: Self.objects, defaultMode: 0o600)
        #expect(all == ["a": VolumeFile("1", mode: 0o600), "b": VolumeFile("2", mode: 0o600), "bin": VolumeFile(data: [0, 1], mode: 0o600)])
        let items = try VolumePayload.configMap(["name": "cfg", "items": [["key": "a", "path": "dir/x", "mode": 0o400]]], objects: Self.objects, defaultMode: 0o644)
        #expect(items == ["dir/x": VolumeFile("1", mode: 0o400)])
        #expect(try VolumePayload.secret(["secretName": "sec"], objects: Self.objects, defaultMode: 0o644) == ["pw": VolumeFile("s3cr3t")])
        #expect(try VolumePayload.configMap(["name": "gone", "optional": true], objects: Self.objects, defaultMode: 0o644) == [:])
        let failures: [(() throws(VolumeError) -> Void, String)] = [
            ({ () throws(VolumeError) in _ = try VolumePayload.configMap(["name": "gone"], objects: Self.objects, defaultMode: 0o644) }, "configmap \"gone\" not found"),
            ({ () throws(VolumeError) in _ = try VolumePayload.secret(["secretName": "gone"], objects: Self.objects, defaultMode: 0o644) }, "secret \"gone\" not found"),
            ({ () throws(VolumeError) in _ = try VolumePayload.configMap(["name": "cfg", "items": [["key": "zz", "path": "p"]]], objects: Self.objects, defaultMode: 0o644) },
             "configmap references non-existent config key: zz"),
            ({ () throws(VolumeError) in _ = try VolumePayload.secret(["secretName": "sec", "items": [["key": "zz", "path": "p"]]], objects: Self.objects, defaultMode: 0o644) },
             "references non-existent secret key: zz"),
        ]
        for (body, message) in failures {
            do { try body(); Issue.record("no error for \(message)") } catch { #expect(error.description == message) }
        }
    }

    /// Sources merge in order; the token source writes the fetched token, is skipped when the API
    /// server has no TokenRequest, and fails the volume when fetching failed or never happened.
    @Test func projectedMergesSourcesAndTokens() throws {
        let source: JSON = ["defaultMode": 0o440, "sources": [
            ["configMap": ["name": "cfg", "items": [["key": "a", "path": "a"]]]],
            ["secret": ["name": "sec"]],
            ["downwardAPI": ["items": [["path": "name", "fieldRef": ["fieldPath": "metadata.name"]]]]],
            ["serviceAccountToken": ["path": "token", "audience": "vault"]],
        ]]
        let request = ServiceAccountTokenRequest(source: ["path": "token", "audience": "vault"], pod: Self.pod)
        let common: [String: VolumeFile] = ["a": VolumeFile("1", mode: 0o440), "pw": VolumeFile("s3cr3t", mode: 0o440),
                                            "name": VolumeFile("web", mode: 0o440)]
        let cases: [(ProjectedToken?, [String: VolumeFile]?, [String], String?)] = [
            (.token("a.b.c"), common.merging(["token": VolumeFile("a.b.c", mode: 0o440)]) { $1 }, [], nil),
            (.unavailable, common, ["serviceAccountToken (path token)"], nil),
            (.failed("failed to fetch token: serviceaccounts \"default\" not found"), nil, [],
             "failed to fetch token: serviceaccounts \"default\" not found"),
            (nil, nil, [], "no service account token requested for path token"),
        ]
        for (token, expected, expectedSkips, message) in cases {
            var objects = Self.objects
            objects.tokens = token.map { [request: $0] } ?? [:]
            var skipped: [String] = []
            do {
                let files = try VolumePayload.projected(source, pod: Self.pod, objects: objects, nodeAllocatable: [:], skipped: &skipped)
                #expect(files == expected, "\(String(describing: token))")
                #expect(skipped == expectedSkips)
                #expect(message == nil)
            } catch {
                #expect(error.description == message, "\(String(describing: token))")
            }
        }
    }

    // MARK: set up and tear down on the real file system

    @Test func setUpAndTearDownWithTmpfs() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let volumes = PodVolumes(podsDirectory: dir + "/pods")
        var pod: JSON = ["metadata": ["name": "web", "namespace": "shop", "uid": "uid-1", "labels": ["app": "web"]], "spec": ["volumes": [
            ["name": "scratch", "emptyDir": [:]],
            ["name": "mem", "emptyDir": ["medium": "Memory", "sizeLimit": "1Mi"]],
            ["name": "cfg", "configMap": ["name": "cfg"]],
            ["name": "sec", "secret": ["secretName": "sec", "defaultMode": 0o400]],
            ["name": "info", "downwardAPI": ["items": [["path": "labels", "fieldRef": ["fieldPath": "metadata.labels"]]]]],
            ["name": "host", "hostPath": ["path": .string(dir + "/host"), "type": "DirectoryOrCreate"]],
        ]]]
        let report = volumes.setUp(pod: pod, objects: Self.objects, nodeAllocatable: [:])
        #expect(report.failures.isEmpty, "\(report.failures)")
        let paths = volumes.paths(pod: pod)
        let base = dir + "/pods/uid-1/volumes"
        #expect(paths["scratch"] == PodVolumePath(hostPath: base + "/kubernetes.io~empty-dir/scratch"))
        #expect(paths["cfg"] == PodVolumePath(hostPath: base + "/kubernetes.io~configmap/cfg", forceReadOnly: true))
        #expect(paths["host"] == PodVolumePath(hostPath: dir + "/host"))
        #expect(Self.read(base + "/kubernetes.io~configmap/cfg/a") == "1")
        #expect(Self.read(base + "/kubernetes.io~secret/sec/pw") == "s3cr3t")
        #expect(Self.read(base + "/kubernetes.io~downward-api/info/labels") == "app=\"web\"")
        #expect(Self.mounted(base + "/kubernetes.io~empty-dir/mem"))
        #expect(Self.mounted(base + "/kubernetes.io~secret/sec"))
        #expect(!Self.mounted(base + "/kubernetes.io~configmap/cfg"))
        var fs = statvfs()
        statvfs(base + "/kubernetes.io~empty-dir/mem", &fs)
        #expect(Int(fs.f_blocks) * Int(fs.f_frsize) == 1 << 20)
        // A label change and a second setUp: the downward API file follows, the mounts stay single.
        pod["metadata"]["labels"]["tier"] = "front"
        #expect(volumes.setUp(pod: pod, objects: Self.objects, nodeAllocatable: [:]).failures.isEmpty)
        #expect(Self.read(base + "/kubernetes.io~downward-api/info/labels") == "app=\"web\"\ntier=\"front\"")
        let table = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        let secretMounts = table.split(separator: "\n").filter { $0.split(separator: " ").dropFirst(4).first.map(String.init) == base + "/kubernetes.io~secret/sec" }
        #expect(secretMounts.count == 1, "a second setUp stacked another tmpfs")
        // A symlink out of the pod directory must not be followed by the teardown.
        let outside = dir + "/outside"
        FileManager.default.createFile(atPath: outside, contents: Data("keep".utf8))
        try FileManager.default.createSymbolicLink(atPath: base + "/kubernetes.io~empty-dir/scratch/link", withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: base + "/kubernetes.io~empty-dir/scratch/dirlink", withDestinationPath: dir)
        #expect(volumes.orphans(live: ["uid-1"]) == [])
        #expect(volumes.orphans(live: []) == ["uid-1"])
        try volumes.tearDown(uid: "uid-1")
        #expect(!FileManager.default.fileExists(atPath: dir + "/pods/uid-1"))
        #expect(!Self.mounted(base + "/kubernetes.io~empty-dir/mem"))
        #expect(!Self.mounted(base + "/kubernetes.io~secret/sec"))
        #expect(Self.read(outside) == "keep")
        #expect(FileManager.default.fileExists(atPath: dir + "/host"))
        // Idempotent, and bad UIDs are refused.
        try volumes.tearDown(uid: "uid-1")
        #expect(throws: VolumeError.self) { try volumes.tearDown(uid: "..") }
    }

    @Test func setUpReportsEachFailure() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let volumes = PodVolumes(podsDirectory: dir + "/pods")
        let pod: JSON = ["metadata": ["name": "web", "namespace": "shop", "uid": "uid-2"], "spec": ["volumes": [
            ["name": "cfg", "configMap": ["name": "missing"]],
            ["name": "host", "hostPath": ["path": .string(dir + "/nothing"), "type": "Directory"]],
            ["name": "claim", "persistentVolumeClaim": ["claimName": "x"]],
            ["name": "fine", "emptyDir": [:]],
        ]]]
        let report = volumes.setUp(pod: pod, objects: PodObjects(), nodeAllocatable: [:])
        #expect(report.failures.map(\.volume) == ["cfg", "host", "claim"])
        #expect(report.failures.first?.message == "MountVolume.SetUp failed for volume \"cfg\" : configmap \"missing\" not found")
        #expect(report.failures[1].message.hasSuffix("is not a directory"))
        #expect(report.failures[2].message.contains("persistentVolumeClaim"))
        try volumes.tearDown(uid: "uid-2")
    }
}

enum VolumeMountsTestSupport {
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
