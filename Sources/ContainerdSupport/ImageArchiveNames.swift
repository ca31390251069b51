import FoundationEssentials
import Glibc
import SwiftletJSON

/// The image names containerd 1.6 gives the images of an archive when `ctr images import` (without
/// `--base-name`) imports it, read from the archive itself; also validates that it is one.
public enum ImageArchiveNames {
    /// OCI layout: per manifest of `index.json`, its `io.containerd.image.name` annotation, else
    /// its `org.opencontainers.image.ref.name` when that is a full reference (ctr prefixes a bare
    /// tag with `import-<date>:`, so such names are reported with that prefix). Docker `save`
    /// format: every `RepoTags` entry of `manifest.json`, normalized as Docker does
    /// (`busybox` -> `docker.io/library/busybox:latest`).
    public static func names(ofArchiveAt path: String, date: Date = Date()) throws -> [String] {
        let files = try TarReader.files(atPath: path) { $0 == "index.json" || $0 == "manifest.json" }
        if let index = files["index.json"] {
            return try ociNames(index, date: date)
        }
        if let manifest = files["manifest.json"] {
            return try dockerNames(manifest)
        }
        throw TarError("not an image archive: no index.json (OCI layout) or manifest.json (docker save)")
    }

    static func ociNames(_ bytes: [UInt8], date: Date) throws -> [String] {
        guard let index = try? JSON(parsing: bytes), let manifests = index["manifests"].arrayValue else {
            throw TarError("index.json is not an OCI index (no manifests list)")
        }
        var names: [String] = []
        for manifest in manifests {
            let annotations = manifest["annotations"]
            if let name = annotations[OCIImageArchive.imageNameAnnotation].stringValue, !name.isEmpty {
                names.append(name)
            } else if let ref = annotations[OCIImageArchive.refNameAnnotation].stringValue, !ref.isEmpty {
                names.append(ref.contains(where: { "/:@".contains($0) }) ? ref : "\(importPrefix(date)):\(ref)")
            }
        }
        return names
    }

    static func dockerNames(_ bytes: [UInt8]) throws -> [String] {
        guard let manifest = try? JSON(parsing: bytes), let entries = manifest.arrayValue else {
            throw TarError("manifest.json is not a docker save manifest (not a list)")
        }
        return entries.flatMap { entry in
            (entry["RepoTags"].arrayValue ?? []).compactMap(\.stringValue).map(normalizedDockerName)
        }
    }

    /// `import-<yyyy-MM-dd>`, ctr's base name when none is given.
    static func importPrefix(_ date: Date) -> String {
        // The local calendar date, as ctr's time.Now().Format("2006-01-02").
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        localtime_r(&seconds, &parts)
        func twoDigits(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "import-\(parts.tm_year + 1900)-\(twoDigits(parts.tm_mon + 1))-\(twoDigits(parts.tm_mday))"
    }

    /// Docker's reference normalization: a registry host is added (`docker.io`), official images
    /// get `library/`, and a missing tag becomes `latest`.
    public static func normalizedDockerName(_ name: String) -> String {
        var remainder = name
        var host = "docker.io"
        if let slash = name.firstIndex(of: "/") {
            let first = String(name[..<slash])
            if first == "localhost" || first.contains(".") || first.contains(":") {
                host = first
                remainder = String(name[name.index(after: slash)...])
            }
        }
        if host == "docker.io", !remainder.contains("/") { remainder = "library/" + remainder }
        let lastComponent = remainder.split(separator: "/").last ?? ""
        if !lastComponent.contains(":"), !remainder.contains("@") { remainder += ":latest" }
        return host + "/" + remainder
    }
}
