import Foundation
import NodeAgent
import Testing

/// The atomic writer against a real temporary directory.
@Suite struct AtomicWriterTests {
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "atomic-writer-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func mode(_ path: String) -> UInt16 {
        var info = stat()
        stat(path, &info)
        return UInt16(info.st_mode & 0o7777)
    }

    static func versions(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("..") && $0 != "..data" }
    }

    @Test func writesTheUpstreamLayout() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = AtomicWriter(directory: dir)
        #expect(try writer.write(["a": VolumeFile("one"), "nested/b": VolumeFile("two", mode: 0o400)]))
        let version = try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/..data")
        #expect(version.hasPrefix("..20"))
        #expect(Self.versions(dir) == [version])
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/a") == "..data/a")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/nested") == "..data/nested")
        #expect(Self.read(dir + "/a") == "one")
        #expect(Self.read(dir + "/nested/b") == "two")
        #expect(Self.mode(dir + "/" + version + "/a") == 0o644)
        #expect(Self.mode(dir + "/" + version + "/nested/b") == 0o400)
    }

    @Test func updateSwapsAndRemovesOldFiles() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = AtomicWriter(directory: dir)
        try writer.write(["a": VolumeFile("one"), "gone": VolumeFile("x")])
        let first = try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/..data")
        // An unchanged payload writes nothing.
        #expect(try writer.write(["a": VolumeFile("one"), "gone": VolumeFile("x")]) == false)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/..data") == first)
        // A mode change alone is a change.
        #expect(try writer.write(["a": VolumeFile("one", mode: 0o600), "gone": VolumeFile("x")]))
        #expect(try writer.write(["a": VolumeFile("two"), "new": VolumeFile("n")]))
        let second = try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/..data")
        #expect(second != first)
        #expect(Self.versions(dir) == [second])
        #expect(Self.read(dir + "/a") == "two")
        #expect(Self.read(dir + "/new") == "n")
        #expect(!FileManager.default.fileExists(atPath: dir + "/gone"))
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/gone")) == nil)
        #expect(!FileManager.default.fileExists(atPath: dir + "/..data_tmp"))
        // An empty payload leaves only the bookkeeping.
        try writer.write([:])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix("..") } == [])
    }

    @Test func foreignFilesAreLeftAlone() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/mine", contents: Data("keep".utf8))
        try AtomicWriter(directory: dir).write(["a": VolumeFile("one")])
        #expect(Self.read(dir + "/mine") == "keep")
    }

    @Test(arguments: ["/abs", "../up", "a/../../b", "..hidden", ""])
    func escapingPathsAreRefused(path: String) throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: AtomicWriterError.self) { try AtomicWriter(directory: dir).write([path: VolumeFile("x")]) }
        #expect(!FileManager.default.fileExists(atPath: dir + "/..data"))
    }
}
