import FoundationEssentials
import Glibc
import SwiftletSystem

/// The settings of the containerd that Swiftlet runs as a supervised child, rendered into a
/// containerd 1.6 `config.toml` (version 2) by `render()`.
///
/// Data lives under the data dir (images, snapshots), volatile state and the socket under the run
/// dir, so a test can relocate everything into a temporary directory.
public struct ContainerdConfig: Sendable, Equatable {
    /// containerd's persistent root (content store, snapshots, metadata).
    public var rootDirectory: String
    /// containerd's state directory (tasks, pod network namespaces with `netnsMountsUnderStateDir`).
    public var stateDirectory: String
    /// The gRPC socket (CRI and containerd's own API).
    public var socketPath: String
    /// containerd's "opt" plugin directory (it installs nothing there, but the plugin needs one).
    public var optDirectory: String
    /// The pod sandbox (pause) image; must be imported locally when there is no registry.
    public var sandboxImage: String
    public var snapshotter: String
    /// runc's state directory (`--root`).
    public var runcRoot: String
    /// The systemd cgroup driver; only works when systemd is PID 1, and only with a kubelet that
    /// names cgroups the systemd way (`slice:prefix:name`).
    public var systemdCgroup: Bool
    /// Keeps containers from lowering their OOM score below containerd's. Needed where containerd
    /// lacks CAP_SYS_RESOURCE (else every RunPodSandbox fails); configurable for real boards.
    public var restrictOOMScoreAdj: Bool
    public var cniBinDirectory: String
    public var cniConfDirectory: String
    /// The `certs.d` directory of per-registry `hosts.toml` files; nil: none.
    public var registryConfigPath: String?
    /// Pod network namespaces under the state dir instead of /run/netns (see runtime-recipe.md:
    /// `ip netns` commands then cannot interfere with them).
    public var netnsMountsUnderStateDir: Bool
    /// The CRI streaming server (exec, attach, port-forward); port 0 picks a free one.
    public var streamServerAddress: String
    public var streamServerPort: Int

    /// A configuration under `dataDirectory` and `runDirectory` with the defaults: overlayfs,
    /// runc, restricted OOM score adjustment, CNI plugins from /usr/lib/cni, the cgroupfs driver,
    /// and the streaming server on 127.0.0.1 port 0.
    ///
    /// cgroupfs also under systemd: swiftlet-kubelet gives cgroup parents as cgroupfs paths
    /// (`/kubepods/besteffort/pod<uid>`, PodSandboxSpec.cgroupParent), which runc's systemd driver
    /// rejects ("expected cgroupsPath to be of format slice:prefix:name"), so following the init
    /// system failed every pod of the installed package (found by Tests/e2e/test_package.py).
    ///
    /// `dataDirectory` is what K3s calls `<data-dir>/agent/containerd`: root and opt go there.
    public init(
        dataDirectory: String, runDirectory: String, sandboxImage: String,
        cniConfDirectory: String, registryConfigPath: String? = nil,
        systemdCgroup: Bool = false
    ) {
        rootDirectory = dataDirectory + "/root"
        optDirectory = dataDirectory + "/opt"
        stateDirectory = runDirectory + "/state"
        socketPath = runDirectory + "/containerd.sock"
        runcRoot = runDirectory + "/runc"
        self.sandboxImage = sandboxImage
        snapshotter = "overlayfs"
        self.systemdCgroup = systemdCgroup
        restrictOOMScoreAdj = true
        cniBinDirectory = "/usr/lib/cni"
        self.cniConfDirectory = cniConfDirectory
        self.registryConfigPath = registryConfigPath
        netnsMountsUnderStateDir = true
        streamServerAddress = "127.0.0.1"
        streamServerPort = 0
    }

    /// True when systemd is the init system, as `sd_booted()` decides: /run/systemd/system exists.
    public static func systemdIsInit(marker: String = "/run/systemd/system") -> Bool {
        var info = stat()
        return stat(marker, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates the directories containerd expects (root and opt 0700, state 0711 like containerd's
    /// own defaults) and writes `render()` to `path` (0600).
    public func write(to path: String) throws {
        let fm = FileManager.default
        for (directory, mode) in [(rootDirectory, 0o700), (optDirectory, 0o700), (stateDirectory, 0o711),
                                  (PathName.directory(of: path), 0o755),
                                  (PathName.directory(of: socketPath), 0o711)] {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                   attributes: [.posixPermissions: mode])
        }
        try Data(render().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }
}
