/// A set of field paths, shaped as a tree like structured-merge-diff's `fieldpath.Set`:
/// `members` are the paths that end here, `children` the subtrees below. A path can be both a
/// member and have children (a list element owned as a whole and field by field), which FieldsV1
/// writes as a `"."` key.
public struct FieldSet: Hashable, Sendable {
    public private(set) var members: Set<FieldPathElement>
    public private(set) var children: [FieldPathElement: FieldSet]

    public init() {
        members = []
        children = [:]
    }

    /// A set holding the given paths.
    public init(paths: [[FieldPathElement]]) {
        self.init()
        for path in paths { insert(path) }
    }

    /// No members anywhere in the tree.
    public var isEmpty: Bool {
        members.isEmpty && children.values.allSatisfy(\.isEmpty)
    }

    /// Adds one path (an empty path adds nothing).
    public mutating func insert(_ path: some Collection<FieldPathElement>) {
        guard let first = path.first else { return }
        if path.count == 1 {
            members.insert(first)
        } else {
            children[first, default: FieldSet()].insert(path.dropFirst())
        }
    }

    /// Whether the exact path is a member.
    public func contains(_ path: some Collection<FieldPathElement>) -> Bool {
        guard let first = path.first else { return false }
        if path.count == 1 { return members.contains(first) }
        return children[first]?.contains(path.dropFirst()) ?? false
    }

    /// Every member path, in FieldsV1 order.
    public var paths: [[FieldPathElement]] {
        var result: [[FieldPathElement]] = []
        for element in (Set(members).union(children.keys)).sorted() {
            if members.contains(element) { result.append([element]) }
            for sub in children[element]?.paths ?? [] { result.append([element] + sub) }
        }
        return result
    }

    public func union(_ other: FieldSet) -> FieldSet {
        var result = self
        result.members.formUnion(other.members)
        for (element, child) in other.children {
            result.children[element] = (result.children[element] ?? FieldSet()).union(child)
        }
        return result.pruned()
    }

    /// Removes the members of `other`, path by path (a member of `other` does not remove what
    /// lies below it; see `recursiveDifference`).
    public func difference(_ other: FieldSet) -> FieldSet {
        var result = FieldSet()
        result.members = members.subtracting(other.members)
        for (element, child) in children {
            result.children[element] = other.children[element].map { child.difference($0) } ?? child
        }
        return result.pruned()
    }

    /// Removes the members of `other` and everything below them.
    public func recursiveDifference(_ other: FieldSet) -> FieldSet {
        var result = FieldSet()
        result.members = members.subtracting(other.members)
        for (element, child) in children where !other.members.contains(element) {
            result.children[element] = other.children[element].map { child.recursiveDifference($0) } ?? child
        }
        return result.pruned()
    }

    public func intersection(_ other: FieldSet) -> FieldSet {
        var result = FieldSet()
        result.members = members.intersection(other.members)
        for (element, child) in children {
            if let theirs = other.children[element] { result.children[element] = child.intersection(theirs) }
        }
        return result.pruned()
    }

    private func pruned() -> FieldSet {
        var copy = self
        copy.children = children.filter { !$0.value.isEmpty }
        return copy
    }

    // MARK: - FieldsV1

    /// The FieldsV1 object: keys in structured-merge-diff order, `{}` for members, `"."` first
    /// when an element is both a member and has children.
    public var fieldsV1: JSON { .object(fieldsV1Object(includeSelf: false)) }

    private func fieldsV1Object(includeSelf: Bool) -> JSONObject {
        var object = JSONObject()
        if includeSelf { object["."] = .object([:]) }
        for element in Set(members).union(children.keys).sorted() {
            if let child = children[element], !child.isEmpty {
                object[element.description] = .object(child.fieldsV1Object(includeSelf: members.contains(element)))
            } else if members.contains(element) {
                object[element.description] = .object([:])
            }
        }
        return object
    }

    /// Reads a FieldsV1 object.
    public init(fieldsV1 json: JSON) throws(ManagedFieldsDecodingError) {
        let (set, _) = try FieldSet.read(json)
        self = set ?? FieldSet()
    }

    /// Returns the subtree (nil when there is nothing below) and whether the node itself is a
    /// member: `{}` and `{".":{}, ...}` are members, `{"f:x":{}}` is not.
    private static func read(_ json: JSON) throws(ManagedFieldsDecodingError) -> (FieldSet?, Bool) {
        guard case .object(let object) = json else {
            throw ManagedFieldsDecodingError("fieldsV1 must be made of objects, got \(json.typeName)")
        }
        var isMember = false
        var set: FieldSet?
        for (key, value) in object {
            if key == "." {
                isMember = true
                continue
            }
            guard let element = try FieldPathElement.parse(key) else { continue }
            let (below, childIsMember) = try read(value)
            if childIsMember {
                if set == nil { set = FieldSet() }
                set!.members.insert(element)
            }
            if let below {
                if set == nil { set = FieldSet() }
                set!.children[element] = below
            }
        }
        if set == nil { isMember = true }
        return (set, isMember)
    }
}
