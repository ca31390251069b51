#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Directory listings on opendir/readdir, for the modules that run without Foundation's
/// `FileManager.contentsOfDirectory`.
public enum DirectoryListing {
    /// The names in the directory at `path` (without `.` and `..`), in the order readdir returns
    /// them; nil when it cannot be opened (missing, not a directory, no permission).
    public static func names(_ path: String) -> [String]? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
