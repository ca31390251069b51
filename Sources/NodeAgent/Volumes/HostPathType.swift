import FoundationEssentials
import Glibc

/// A volume the node cannot set up; the message follows upstream's, and the agent records it as
/// `MountVolume.SetUp failed for volume "<name>" : <message>`.
public struct VolumeError: Error, Equatable, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// `hostPath.type` checks of upstream's `pkg/volume/hostpath` (`checkTypeInternal`): the
/// `...OrCreate` types create what is missing (a directory 0755, an empty file 0644), the others
/// only check; symlinks are followed, as `os.Stat` does.
public enum HostPathType {
    public static func check(path: String, type: String) throws(VolumeError) {
        var info = stat()
        let exists = stat(path, &info) == 0
        let format = info.st_mode & S_IFMT
        switch type {
        case "":
            return
        case "DirectoryOrCreate":
            if !exists {
                do {
                    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                            attributes: [.posixPermissions: 0o755])
                } catch {
                    throw VolumeError("hostPath type check failed: cannot create directory \(path): \(error)")
                }
                return
            }
            if format != S_IFDIR { throw VolumeError("hostPath type check failed: \(path) is not a directory") }
        case "Directory":
            if !exists || format != S_IFDIR { throw VolumeError("hostPath type check failed: \(path) is not a directory") }
        case "FileOrCreate":
            if !exists {
                let fd = open(path, O_RDONLY | O_CREAT, 0o644)
                guard fd >= 0 else {
                    throw VolumeError("hostPath type check failed: cannot create file \(path): \(String(cString: strerror(errno)))")
                }
                close(fd)
                return
            }
            if format != S_IFREG { throw VolumeError("hostPath type check failed: \(path) is not a file") }
        case "File":
            if !exists || format != S_IFREG { throw VolumeError("hostPath type check failed: \(path) is not a file") }
        case "Socket":
            if !exists || format != S_IFSOCK { throw VolumeError("hostPath type check failed: \(path) is not a socket file") }
        case "CharDevice":
            if !exists || format != S_IFCHR { throw VolumeError("hostPath type check failed: \(path) is not a character device") }
        case "BlockDevice":
            if !exists || format != S_IFBLK { throw VolumeError("hostPath type check failed: \(path) is not a block device") }
        default:
            throw VolumeError("\(type) is an invalid volume type")
        }
    }
}
