import ContainerdSupport
import Foundation
import SwiftletInfo
import SwiftletJSON
import Testing

@Suite struct OCIImageArchiveTests {
    static let image = OCIImageArchive(
        reference: "localhost/test/app:1.2", layer: [
            TarEntry(path: "app", kind: .directory),
            TarEntry(path: "app/run", kind: .file(Array("#!/bin/sh\necho hi\n".utf8)), mode: 0o755),
            TarEntry(path: "bin", kind: .symlink(target: "app")),
        ],
        config: .init(entrypoint: ["/app/run"], cmd: ["--flag"], env: ["A=1"], workingDir: "/app"),
        platform: .init(architecture: "arm", variant: "v7"))

    /// The layout's documents and blobs agree: every descriptor's digest and size match its blob,
    /// and the config carries the platform, runtime settings and the layer's diff ID.
    @Test func layoutIsConsistent() throws {
        let archive = try Self.image.archive()
        let files = try TarReader.files(in: archive) { _ in true }
        #expect(files["oci-layout"].map { String(decoding: $0, as: UTF8.self) } == #"{"imageLayoutVersion":"1.0.0"}"#)
        let index = try JSON(parsing: try #require(files["index.json"]))
        let descriptor = index["manifests"][0]
        #expect(descriptor["annotations"]["io.containerd.image.name"] == "localhost/test/app:1.2")
        #expect(descriptor["annotations"]["org.opencontainers.image.ref.name"] == "1.2")
        #expect(descriptor["platform"] == ["architecture": "arm", "os": "linux", "variant": "v7"])
        func blob(_ descriptor: JSON) throws -> [UInt8] {
            let digest = try #require(descriptor["digest"].stringValue)
            let bytes = try #require(files["blobs/sha256/" + digest.dropFirst(7)])
            #expect(OCIImageArchive.digest(bytes) == digest)
            #expect(descriptor["size"].intValue == Int64(bytes.count))
            return bytes
        }
        let manifest = try JSON(parsing: try blob(descriptor))
        #expect(manifest["mediaType"] == .string(OCIImageArchive.manifestMediaType))
        let config = try JSON(parsing: try blob(manifest["config"]))
        let layer = try blob(manifest["layers"][0])
        #expect(config["architecture"] == "arm" && config["variant"] == "v7" && config["os"] == "linux")
        #expect(config["config"] == ["Entrypoint": ["/app/run"], "Cmd": ["--flag"], "Env": ["A=1"], "WorkingDir": "/app"])
        #expect(config["rootfs"]["diff_ids"] == [.string(OCIImageArchive.digest(layer))])
        #expect(config["history"].arrayValue?.count == 1)
        let layerFiles = try TarReader.files(in: layer) { _ in true }
        #expect(layerFiles["app/run"] == Array("#!/bin/sh\necho hi\n".utf8))
        // Reproducible: the same input gives the same bytes.
        #expect(try Self.image.archive() == archive)
    }

    @Test func hostPlatformIsInOCITerms() {
        let platform = OCIImageArchive.Platform.host
        #expect(["amd64", "arm64", "arm", "386"].contains(platform.architecture))
        #expect(platform.os == "linux")
        #if arch(x86_64)
        #expect(platform.architecture == "amd64" && platform.variant == nil)
        #endif
    }

    @Test(arguments: [
        ("localhost/swiftlet/pause:0.1.0", "0.1.0"), ("busybox", "latest"), ("127.0.0.1:5000/app", "latest"),
        ("127.0.0.1:5000/app:v2", "v2"),
    ])
    func tagOfReference(reference: String, tag: String) throws {
        #expect(try OCIImageArchive.tag(of: reference) == tag)
    }

    @Test func badReferencesAreRejected() {
        for reference in ["", "app@sha256:abc", "app:", "has space:1"] {
            #expect(throws: TarError.self) { try OCIImageArchive.tag(of: reference) }
        }
    }

    @Test func pauseImageRunsThePauseBinary() throws {
        #expect(PauseImage.reference == "localhost/swiftlet/pause:\(SwiftletVersion.current)")
        let archive = try PauseImage.build(pauseBinary: [1, 2, 3])
        let files = try TarReader.files(in: archive) { _ in true }
        let index = try JSON(parsing: try #require(files["index.json"]))
        #expect(index["manifests"][0]["annotations"]["io.containerd.image.name"] == .string(PauseImage.reference))
        let manifestDigest = try #require(index["manifests"][0]["digest"].stringValue)
        let manifest = try JSON(parsing: try #require(files["blobs/sha256/" + manifestDigest.dropFirst(7)]))
        let configDigest = try #require(manifest["config"]["digest"].stringValue)
        let config = try JSON(parsing: try #require(files["blobs/sha256/" + configDigest.dropFirst(7)]))
        #expect(config["config"]["Entrypoint"] == ["/pause"])
    }
}
