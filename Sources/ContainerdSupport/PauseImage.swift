import FoundationEssentials
import SwiftletInfo

/// The pod sandbox ("pause") image, built locally from the `swiftlet-pause` binary.
///
/// Nodes here cannot pull registry.k8s.io/pause, and K3s's airgap approach (ship an image tarball
/// and import it) needs no registry either: the supervisor writes this archive into
/// `<data-dir>/agent/images/` and containerd's `sandbox_image` names it.
public enum PauseImage {
    /// `localhost/swiftlet/pause:<version>`. The `localhost` registry host can never resolve to a
    /// registry on the internet, so containerd never tries to pull it from elsewhere (a missing
    /// image fails fast instead of waiting on a network), and no upstream image can shadow it. The
    /// version tag changes with every Swiftlet release, so an upgraded node imports its own build.
    public static let reference = "localhost/swiftlet/pause:\(SwiftletVersion.current)"

    /// The archive's file name in the images directory.
    public static let archiveName = "swiftlet-pause.tar"

    /// The OCI archive of an image holding `pauseBinary` as `/pause` (0755), its entrypoint.
    public static func build(pauseBinary: [UInt8], reference: String = PauseImage.reference) throws -> [UInt8] {
        try image(pauseBinary: pauseBinary, reference: reference).archive()
    }

    /// Reads the binary at `pauseBinaryPath` and writes the archive to `archivePath`.
    public static func build(pauseBinaryPath: String, reference: String = PauseImage.reference, to archivePath: String) throws {
        guard let binary = FileManager.default.contents(atPath: pauseBinaryPath) else {
            throw TarError("cannot read the pause binary \(pauseBinaryPath)")
        }
        try image(pauseBinary: [UInt8](binary), reference: reference).write(to: archivePath)
    }

    static func image(pauseBinary: [UInt8], reference: String) -> OCIImageArchive {
        OCIImageArchive(
            reference: reference,
            layer: [TarEntry(path: "pause", kind: .file(pauseBinary), mode: 0o755)],
            config: .init(entrypoint: ["/pause"], env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]),
            createdBy: "swiftlet-pause \(SwiftletVersion.current)")
    }
}
