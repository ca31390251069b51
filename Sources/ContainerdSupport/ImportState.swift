import Crypto
import FoundationEssentials
import Glibc
import SwiftletSystem
import SwiftletJSON

/// What identifies an imported file's content: size, modification time and SHA-256.
struct FileStamp: Equatable {
    var size: Int64
    var modificationTime: Int64
    var sha256: String

    /// Stats `path`; hashes it unless size and time equal `previous` (then the file is taken as
    /// unchanged and the recorded hash reused, so an idle restart reads no image data).
    init(path: String, previous: FileStamp?) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw TarError("cannot stat \(path): \(String(cString: strerror(errno)))") }
        size = Int64(info.st_size)
        modificationTime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        if let previous, previous.size == size, previous.modificationTime == modificationTime {
            sha256 = previous.sha256
        } else {
            sha256 = try Self.hash(path)
        }
    }

    init(size: Int64, modificationTime: Int64, sha256: String) {
        self.size = size
        self.modificationTime = modificationTime
        self.sha256 = sha256
    }

    static func hash(_ path: String) throws -> String {
        do {
            let file = try ReadOnlyFile(path: path)
            var hasher = SHA256()
            while case let chunk = try file.read(upTo: 1 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
            }
            return lowercaseHex(hasher.finalize())
        } catch {
            throw TarError("cannot read \(path): \(error)")
        }
    }
}

/// The importer's state file: `{"files": {"<path>": {"size", "mtimeNanoseconds", "sha256"}}}`.
struct ImportState {
    var files: [String: FileStamp] = [:]

    /// The recorded state; an unreadable or corrupt file counts as empty (everything re-imports,
    /// which is safe: importing an image again only re-tags it).
    static func load(_ path: String) -> ImportState {
        guard let bytes = try? WholeFile.read(path),
              let json = try? JSON(parsing: bytes), let entries = json["files"].objectValue else {
            return ImportState()
        }
        var state = ImportState()
        for (file, entry) in entries {
            guard let size = entry["size"].intValue, let time = entry["mtimeNanoseconds"].intValue,
                  let hash = entry["sha256"].stringValue else { continue }
            state.files[file] = FileStamp(size: size, modificationTime: time, sha256: hash)
        }
        return state
    }

    func save(_ path: String) throws {
        var entries: JSONObject = [:]
        for (file, stamp) in files.sorted(by: { $0.key < $1.key }) {
            entries[file] = ["size": .int(stamp.size), "mtimeNanoseconds": .int(stamp.modificationTime),
                             "sha256": .string(stamp.sha256)]
        }
        let directory = PathName.directory(of: path)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(JSON.object(["files": .object(entries)]).serialized()).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
