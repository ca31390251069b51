import ContainerdSupport
import Foundation
import SwiftletJSON
import Testing

/// The importer against a real containerd started in a temporary directory.
@Suite(.serialized, .enabled(if: ContainerdUnderTest.available, "needs root, /usr/bin/containerd and /usr/bin/ctr"))
struct ImageImporterTests {
    /// The pause image from the built swiftlet-pause, or (when it is not built) from busybox-static
    /// with `sleep` as the pause stand-in.
    static func pauseArchive() throws -> [UInt8] {
        if let path = pauseBinaryPath {
            return try PauseImage.build(pauseBinary: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        }
        let busybox = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "/bin/busybox")))
        return try OCIImageArchive(reference: PauseImage.reference, layer: [
            TarEntry(path: "bin", kind: .directory), TarEntry(path: "bin/busybox", kind: .file(busybox), mode: 0o755),
        ], config: .init(entrypoint: ["/bin/busybox", "sleep", "1000000"])).archive()
    }

    /// A `docker save` archive: manifest.json with RepoTags, the config and a layer.tar.
    static func dockerArchive(tag: String, content: String) throws -> [UInt8] {
        var layer = TarWriter()
        try layer.append(TarEntry(path: "hello.txt", kind: .file(Array(content.utf8))))
        let layerBytes = layer.finished()
        let platform = OCIImageArchive.Platform.host
        var config: JSON = ["architecture": .string(platform.architecture), "os": "linux",
                            "config": ["Cmd": ["/hello"]],
                            "rootfs": ["type": "layers", "diff_ids": [.string(OCIImageArchive.digest(layerBytes))]]]
        if let variant = platform.variant { config["variant"] = .string(variant) }
        let configBytes = config.serialized()
        let configName = String(OCIImageArchive.digest(configBytes).dropFirst(7)) + ".json"
        let manifest: JSON = [["Config": .string(configName), "RepoTags": [.string(tag)], "Layers": ["0001/layer.tar"]]]
        var archive = TarWriter()
        try archive.append(.file("manifest.json", manifest.serialized()))
        try archive.append(.file(configName, configBytes))
        try archive.append(TarEntry(path: "0001", kind: .directory))
        try archive.append(.file("0001/layer.tar", layerBytes))
        return archive.finished()
    }

    @Test func importsSkipsReimportsAndReportsBrokenFiles() throws {
        let containerd = try ContainerdUnderTest()
        defer { containerd.cleanUp() }
        try containerd.waitUntilReady()
        let images = containerd.root + "/images"
        try FileManager.default.createDirectory(atPath: images, withIntermediateDirectories: true)
        try Data(try Self.pauseArchive()).write(to: URL(fileURLWithPath: images + "/" + PauseImage.archiveName))
        try Data(try Self.dockerArchive(tag: "example.local/tools/app:v1", content: "one")).write(to: URL(fileURLWithPath: images + "/app.tar"))
        try Data(try Self.dockerArchive(tag: "busybox-like", content: "gz")).write(to: URL(fileURLWithPath: images + "/hub.tar"))
        #expect(run("/bin/gzip", [images + "/hub.tar"]).status == 0)  // -> hub.tar.gz
        try Data(try Self.dockerArchive(tag: "example.local/tools/zst:v1", content: "zst")).write(to: URL(fileURLWithPath: images + "/z.tar"))
        #expect(run("/usr/bin/zstd", ["-q", "--rm", images + "/z.tar", "-o", images + "/z.tar.zst"]).status == 0)
        try Data("this is not a tarball".utf8).write(to: URL(fileURLWithPath: images + "/broken.tar"))
        try Data("ignored".utf8).write(to: URL(fileURLWithPath: images + "/README"))
        // A valid tar whose index names blobs it does not hold: ctr refuses it.
        let pauseFiles = try TarReader.files(in: try Self.pauseArchive()) { $0 == "index.json" }
        var partial = TarWriter()
        try partial.append(.file("index.json", try #require(pauseFiles["index.json"])))
        try Data(partial.finished()).write(to: URL(fileURLWithPath: images + "/partial.tar"))

        let importer = ImageImporter(socketPath: containerd.config.socketPath, statePath: containerd.root + "/data/images-state.json")
        let first = importer.importDirectory(images)
        #expect(first.failures.map(\.path) == [images + "/broken.tar", images + "/partial.tar"])
        #expect(first.failures.first?.reason == "not a tar archive (shorter than one header)", "\(first.failures)")
        #expect(first.failures.last?.reason.hasPrefix("ctr images import failed:") == true, "\(first.failures)")
        #expect(first.imported.map(\.path) == [images + "/app.tar", images + "/hub.tar.gz", images + "/swiftlet-pause.tar", images + "/z.tar.zst"])
        #expect(first.importedNames.sorted() == ["docker.io/library/busybox-like:latest", "example.local/tools/app:v1",
                                                 "example.local/tools/zst:v1", PauseImage.reference])
        #expect(containerd.imageNames() == first.importedNames.sorted())

        // Unchanged files are skipped; the broken one is tried (and reported) again.
        let second = importer.importDirectory(images)
        #expect(second.imported.isEmpty)
        #expect(second.skipped.count == 4)
        #expect(second.failures.count == 2)

        // A changed file is imported again: a new tag in the same file name.
        try Data(try Self.dockerArchive(tag: "example.local/tools/app:v2", content: "two")).write(to: URL(fileURLWithPath: images + "/app.tar"))
        let third = importer.importDirectory(images)
        #expect(third.imported.map(\.path) == [images + "/app.tar"])
        #expect(third.importedNames == ["example.local/tools/app:v2"])
        #expect(containerd.imageNames().contains("example.local/tools/app:v2"))

        // Same content, new modification time: hashed, found unchanged, skipped.
        let later = Date().addingTimeInterval(5)
        try FileManager.default.setAttributes([.modificationDate: later], ofItemAtPath: images + "/app.tar")
        #expect(importer.importDirectory(images).skipped.contains(images + "/app.tar"))
    }

    /// The pause image imported by the importer runs under containerd: the task is RUNNING, and
    /// SIGTERM makes it exit 0.
    @Test(.enabled(if: pauseBinaryPath != nil, "swiftlet-pause is not built"))
    func pauseImageRuns() throws {
        let containerd = try ContainerdUnderTest()
        defer { containerd.cleanUp() }
        try containerd.waitUntilReady()
        let images = containerd.root + "/images"
        try FileManager.default.createDirectory(atPath: images, withIntermediateDirectories: true)
        try Data(try Self.pauseArchive()).write(to: URL(fileURLWithPath: images + "/" + PauseImage.archiveName))
        let report = ImageImporter(socketPath: containerd.config.socketPath, statePath: containerd.root + "/state.json")
            .importDirectory(images)
        #expect(report.importedNames == [PauseImage.reference], "\(report.failures)")
        let id = "pause-test-\(getpid())"
        let started = containerd.ctr(["run", "-d", PauseImage.reference, id])
        #expect(started.status == 0, "\(started.output)")
        defer {
            _ = containerd.ctr(["tasks", "kill", "-s", "SIGKILL", id])
            _ = containerd.ctr(["tasks", "delete", "-f", id])
            _ = containerd.ctr(["containers", "delete", id])
        }
        #expect(containerd.ctr(["tasks", "ls"]).output.contains("RUNNING"))
        #expect(containerd.ctr(["tasks", "kill", "-s", "SIGTERM", id]).status == 0)
        var stopped = false
        for _ in 0..<100 where !stopped {
            stopped = containerd.ctr(["tasks", "ls"]).output.contains("STOPPED")
            if !stopped { usleep(50_000) }
        }
        #expect(stopped)
        let deleted = containerd.ctr(["tasks", "delete", id])
        #expect(deleted.status == 0)
        // `ctr tasks delete` prints the exit status when it is not 0.
        #expect(!deleted.output.contains("exit status"), "\(deleted.output)")
    }

    @Test func namesFollowContainerd() throws {
        #expect(ImageArchiveNames.normalizedDockerName("busybox") == "docker.io/library/busybox:latest")
        #expect(ImageArchiveNames.normalizedDockerName("me/app:1") == "docker.io/me/app:1")
        #expect(ImageArchiveNames.normalizedDockerName("localhost:5000/app") == "localhost:5000/app:latest")
    }
}
