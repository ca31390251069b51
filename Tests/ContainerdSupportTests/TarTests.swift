import ContainerdSupport
import Foundation
import Testing

@Suite struct TarTests {
    static let longName = "deep/" + String(repeating: "nested-directory/", count: 8) + "file-with-a-long-name.txt"

    static func sampleArchive() throws -> [UInt8] {
        var writer = TarWriter()
        try writer.append(TarEntry(path: "etc", kind: .directory, mode: 0o755))
        try writer.append(TarEntry(path: "etc/hosts", kind: .file(Array("127.0.0.1 localhost\n".utf8)), mode: 0o640, uid: 1000, gid: 100))
        try writer.append(TarEntry(path: "bin/sh", kind: .symlink(target: "busybox")))
        try writer.append(TarEntry(path: "sbin/tool", kind: .file([0x7F, 0x45]), mode: 0o4755))
        try writer.append(.file(longName, Array("long\n".utf8)))
        try writer.append(TarEntry(path: "link-with-long-target", kind: .symlink(target: "/" + longName)))
        return writer.finished()
    }

    /// GNU tar, the reference reader, lists what was written: types, modes, owners, link targets,
    /// and the PAX long names.
    @Test func gnuTarReadsTheArchive() throws {
        let directory = try makeTemporaryDirectory("tar")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data(try Self.sampleArchive()).write(to: URL(fileURLWithPath: directory + "/a.tar"))
        let listing = run("/bin/tar", ["--numeric-owner", "-tvf", directory + "/a.tar"])
        #expect(listing.status == 0, "\(listing.output)")
        let lines = listing.output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(lines.count == 6)
        #expect(lines[0].first == "drwxr-xr-x" && lines[0].last == "etc/")
        #expect(lines[1].first == "-rw-r-----" && lines[1][1] == "1000/100" && lines[1].last == "etc/hosts")
        #expect(lines[2].first == "lrwxrwxrwx" && lines[2].suffix(3) == ["bin/sh", "->", "busybox"])
        #expect(lines[3].first == "-rwsr-xr-x")
        #expect(lines[4].last.map(String.init) == Self.longName)
        #expect(lines[5].last.map(String.init) == "/" + Self.longName)
        let extract = run("/bin/tar", ["-xf", directory + "/a.tar", "-C", directory])
        #expect(extract.status == 0, "\(extract.output)")
        #expect(try String(contentsOfFile: directory + "/" + Self.longName, encoding: .utf8) == "long\n")
    }

    @Test func readerFindsFilesIncludingLongNames() throws {
        let files = try TarReader.files(in: try Self.sampleArchive()) { _ in true }
        #expect(files["etc/hosts"] == Array("127.0.0.1 localhost\n".utf8))
        #expect(files[Self.longName] == Array("long\n".utf8))
        #expect(files["bin/sh"] == nil)  // links are not files
    }

    @Test(arguments: [
        ("dir/../escape", "invalid tar path"), ("/absolute", "invalid tar path"), ("", "invalid tar path"),
    ])
    func writerRejectsUnsafePaths(path: String, expected: String) {
        var writer = TarWriter()
        #expect(throws: TarError("\(expected) \"\(path)\"")) { try writer.append(.file(path, [])) }
    }

    @Test func readerRejectsCorruptInput() throws {
        let archive = try Self.sampleArchive()
        #expect(throws: TarError("empty file")) { try TarReader.files(in: []) { _ in true } }
        var garbage = archive
        garbage[0] ^= 0xFF
        #expect(throws: TarError("not a tar archive (bad header checksum at byte 0)")) { try TarReader.files(in: garbage) { _ in true } }
        // Cut inside the second entry's data: a truncation, not a crash.
        #expect(throws: TarError.self) { try TarReader.files(in: Array(archive.prefix(1100))) { _ in true } }
        #expect(throws: TarError.self) { try TarReader.files(in: Array(repeating: 0x41, count: 700)) { _ in true } }
    }
}
