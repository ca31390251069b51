import Crypto
import FoundationEssentials
import SwiftletJSON
import SwiftletSystem

/// A single-layer OCI image written as an OCI image-layout tar archive (what
/// `ctr images import` reads), built entirely in code: no registry, no external tools.
///
/// The archive holds `oci-layout`, `index.json` (one manifest, annotated with the full reference
/// and its tag, which is how containerd names an imported image) and `blobs/sha256/<digest>` for
/// the uncompressed layer tar, the image config and the manifest. Output is reproducible: the same
/// inputs give the same bytes and digests.
public struct OCIImageArchive: Sendable {
    /// The runtime part of the image config.
    public struct RuntimeConfig: Sendable, Equatable {
        public var entrypoint: [String]
        public var cmd: [String]
        public var env: [String]
        public var workingDir: String?

        public init(entrypoint: [String] = [], cmd: [String] = [], env: [String] = [], workingDir: String? = nil) {
            self.entrypoint = entrypoint
            self.cmd = cmd
            self.env = env
            self.workingDir = workingDir
        }
    }

    /// An OCI platform (`amd64`, `arm64`, `arm` + `v7`, ...).
    public struct Platform: Sendable, Equatable {
        public var architecture: String
        public var variant: String?
        public var os: String

        public init(architecture: String, variant: String? = nil, os: String = "linux") {
            self.architecture = architecture
            self.variant = variant
            self.os = os
        }

        /// The platform this program was compiled for, in OCI terms.
        public static var host: Platform {
            #if arch(x86_64)
            Platform(architecture: "amd64")
            #elseif arch(arm64)
            Platform(architecture: "arm64")
            #elseif arch(arm)
            Platform(architecture: "arm", variant: "v7")
            #elseif arch(i386)
            Platform(architecture: "386")
            #else
            Platform(architecture: "unknown")
            #endif
        }
    }

    /// The full image reference, e.g. `localhost/swiftlet/pause:0.1.0`.
    public var reference: String
    public var layer: [TarEntry]
    public var config: RuntimeConfig
    public var platform: Platform
    /// The history entry's `created_by` (what made the layer).
    public var createdBy: String

    public init(reference: String, layer: [TarEntry], config: RuntimeConfig, platform: Platform = .host,
                createdBy: String = "swiftlet") {
        self.reference = reference
        self.layer = layer
        self.config = config
        self.platform = platform
        self.createdBy = createdBy
    }

    public static let manifestMediaType = "application/vnd.oci.image.manifest.v1+json"
    public static let configMediaType = "application/vnd.oci.image.config.v1+json"
    public static let layerMediaType = "application/vnd.oci.image.layer.v1.tar"
    public static let imageNameAnnotation = "io.containerd.image.name"
    public static let refNameAnnotation = "org.opencontainers.image.ref.name"

    /// The tag of `reference` (`latest` when it has none); a digest reference is rejected.
    public static func tag(of reference: String) throws -> String {
        guard !reference.isEmpty, !reference.contains("@"), !reference.contains(where: \.isWhitespace) else {
            throw TarError("\"\(reference)\" is not a tagged image reference")
        }
        let lastComponent = reference.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard let colon = lastComponent.lastIndex(of: ":") else { return "latest" }
        let tag = String(lastComponent[lastComponent.index(after: colon)...])
        guard !tag.isEmpty else { throw TarError("\"\(reference)\" has an empty tag") }
        return tag
    }

    /// `sha256:<hex>` of `bytes`.
    public static func digest(_ bytes: [UInt8]) -> String {
        "sha256:" + lowercaseHex(SHA256.hash(data: bytes))
    }

    /// The archive's bytes.
    public func archive() throws -> [UInt8] {
        let tag = try Self.tag(of: reference)
        var layerTar = TarWriter()
        for entry in layer { try layerTar.append(entry) }
        let layerBytes = layerTar.finished()
        let layerDigest = Self.digest(layerBytes)

        var platformJSON: JSONObject = ["architecture": .string(platform.architecture), "os": .string(platform.os)]
        if let variant = platform.variant { platformJSON["variant"] = .string(variant) }
        var runtime: JSONObject = [:]
        if !config.entrypoint.isEmpty { runtime["Entrypoint"] = .array(config.entrypoint.map(JSON.string)) }
        if !config.cmd.isEmpty { runtime["Cmd"] = .array(config.cmd.map(JSON.string)) }
        if !config.env.isEmpty { runtime["Env"] = .array(config.env.map(JSON.string)) }
        if let workingDir = config.workingDir { runtime["WorkingDir"] = .string(workingDir) }
        var configJSON = platformJSON
        configJSON["config"] = .object(runtime)
        configJSON["rootfs"] = ["type": "layers", "diff_ids": [.string(layerDigest)]]
        configJSON["history"] = [["created_by": .string(createdBy)]]
        let configBytes = JSON.object(configJSON).serialized()

        let manifest: JSON = [
            "schemaVersion": 2,
            "mediaType": .string(Self.manifestMediaType),
            "config": Self.descriptor(Self.configMediaType, configBytes),
            "layers": [Self.descriptor(Self.layerMediaType, layerBytes)],
        ]
        let manifestBytes = manifest.serialized()
        var manifestDescriptor = Self.descriptor(Self.manifestMediaType, manifestBytes)
        manifestDescriptor["platform"] = .object(platformJSON)
        manifestDescriptor["annotations"] = [
            Self.imageNameAnnotation: .string(reference),
            Self.refNameAnnotation: .string(tag),
        ]
        let index: JSON = [
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [manifestDescriptor],
        ]

        var archive = TarWriter()
        try archive.append(.file("oci-layout", JSON.object(["imageLayoutVersion": "1.0.0"]).serialized()))
        try archive.append(.file("index.json", index.serialized()))
        try archive.append(TarEntry(path: "blobs", kind: .directory))
        try archive.append(TarEntry(path: "blobs/sha256", kind: .directory))
        for blob in [layerBytes, configBytes, manifestBytes] {
            try archive.append(.file("blobs/sha256/" + Self.digest(blob).dropFirst("sha256:".count), blob))
        }
        return archive.finished()
    }

    /// Writes `archive()` to `path` atomically (0644).
    public func write(to path: String) throws {
        try Data(archive()).write(to: URL(fileURLWithPath: path), options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
    }

    private static func descriptor(_ mediaType: String, _ bytes: [UInt8]) -> JSON {
        ["mediaType": .string(mediaType), "digest": .string(digest(bytes)), "size": .int(Int64(bytes.count))]
    }
}
