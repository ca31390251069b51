import KubeAPI

/// How an `ObjectCache` holds its objects.
public enum ObjectStorage: Sendable, Hashable {
    /// Parsed `JSON` trees: reads cost nothing, but a tree takes about three times the memory of
    /// its text (an allocation per object, array and long string, dictionary hash tables).
    case tree
    /// Compact JSON text, one buffer per object, parsed again on every read. For the most numerous
    /// kind of a long-running component (pods): 10,000 projected pods take ~13 MB instead of ~40 MB
    /// in the controllers. Reads and index updates then cost a parse of the object.
    ///
    /// A double with an integral value reads back as an integer (the serializer writes `1.0` as
    /// `1`), which `JSON`'s numeric accessors treat alike.
    case text
}

/// One stored object in the form its cache's `ObjectStorage` asks for.
enum CachedObject: Sendable, Equatable {
    case tree(JSON)
    case text([UInt8])

    init(_ object: JSON, _ storage: ObjectStorage) {
        switch storage {
        case .tree:
            self = .tree(object)
        case .text:
            // The serializer's buffer grows by doubling; a copy of exactly its size keeps up to half
            // of each buffer from staying allocated for the life of the entry.
            let buffer = object.serialized()
            self = .text([UInt8](unsafeUninitializedCapacity: buffer.count) { target, count in
                count = target.initialize(fromContentsOf: buffer)
            })
        }
    }

    /// The object (parsed again for `.text`; the text is the serializer's own output, so it parses).
    var object: JSON {
        switch self {
        case .tree(let object):
            return object
        case .text(let bytes):
            return (try? JSON(parsing: bytes)) ?? .null
        }
    }
}
