/// The difference between two versions of an object as sets of field paths, computed like
/// structured-merge-diff's `TypedValue.Compare`:
///
/// - maps are walked member by member; a map that appears (or disappears) is itself added
///   (removed) besides its members; an empty map is a leaf;
/// - lists with a merge key (from the schema) are walked element by element as `k:{...}`,
///   lists of primitives with the `merge` patch strategy as a set of `v:...`; every other list
///   (and any list whose elements do not fit) is one atomic leaf;
/// - everything else is a leaf, modified when its value changes.
public struct FieldComparison: Hashable, Sendable {
    public var added = FieldSet()
    public var modified = FieldSet()
    public var removed = FieldSet()

    public init() {}

    /// Compares `old` with `new`; nil means absent.
    public init(old: JSON?, new: JSON?, schema: (any StrategicMergeSchema)?) {
        self.init()
        var path: [FieldPathElement] = []
        walk(old, new, schema, &path)
    }

    public var isSame: Bool { added.isEmpty && modified.isEmpty && removed.isEmpty }

    /// Drops the given paths and everything below them from all three sets.
    public func excluding(_ ignored: FieldSet) -> FieldComparison {
        var copy = self
        copy.added = added.recursiveDifference(ignored)
        copy.modified = modified.recursiveDifference(ignored)
        copy.removed = removed.recursiveDifference(ignored)
        return copy
    }

    private enum Shape { case object, array, scalar }

    private static func shape(_ value: JSON?) -> Shape? {
        switch value {
        case .object?: return .object
        case .array?: return .array
        case nil, .null?: return nil
        default: return .scalar
        }
    }

    private mutating func walk(_ old: JSON?, _ new: JSON?, _ schema: (any StrategicMergeSchema)?,
                               _ path: inout [FieldPathElement]) {
        if old == nil && new == nil { return }
        // Equal values have no differences below them. Unchanged parts of an update usually share
        // storage with the stored object, so this is mostly an identity check, not a walk.
        if let old, let new, old == new { return }
        let oldShape = Self.shape(old), newShape = Self.shape(new)
        if let oldShape, let newShape, oldShape != newShape {
            // The type changed: the path is modified and whatever is below the new value is new.
            modified.insert(path)
            walk(nil, new, schema, &path)
            return
        }
        // A null counts as an empty map or list next to one (as a Go nil slice or map does).
        switch oldShape ?? newShape ?? .scalar {
        case .scalar:
            leaf(old, new, path)
        case .object:
            let oldMap = old?.objectValue ?? [:], newMap = new?.objectValue ?? [:]
            if oldMap.isEmpty && newMap.isEmpty {
                leaf(old, new, path)
                return
            }
            var keys = Array(oldMap.keys)
            keys += newMap.keys.filter { oldMap[$0] == nil }
            for key in keys {
                path.append(.field(key))
                walk(oldMap[key], newMap[key], schema?.field(key), &path)
                path.removeLast()
            }
            presence(old, new, path)
        case .array:
            let oldList = old?.arrayValue ?? [], newList = new?.arrayValue ?? []
            guard !(oldList.isEmpty && newList.isEmpty),
                  let elementOf = Self.elementIdentity(schema, oldList + newList) else {
                leaf(old, new, path)
                return
            }
            walkItems(oldList, newList, elementOf, schema?.elements, &path)
            presence(old, new, path)
        }
    }

    /// A leaf: added, removed or modified as a whole.
    private mutating func leaf(_ old: JSON?, _ new: JSON?, _ path: [FieldPathElement]) {
        if old == nil {
            added.insert(path)
        } else if new == nil {
            removed.insert(path)
        } else if !old!.semanticallyEquals(new!) {
            modified.insert(path)
        }
    }

    /// After walking inside a map or list: the container itself appeared or disappeared.
    private mutating func presence(_ old: JSON?, _ new: JSON?, _ path: [FieldPathElement]) {
        if old == nil {
            added.insert(path)
        } else if new == nil {
            removed.insert(path)
        }
    }

    /// How elements of this list are named, or nil when the list is atomic.
    private static func elementIdentity(_ schema: (any StrategicMergeSchema)?, _ items: [JSON]) -> ((JSON) -> FieldPathElement)? {
        guard let schema else { return nil }
        if let mergeKey = schema.patchMergeKey {
            let keyed = items.allSatisfy { item in
                guard case .object(let object) = item, let key = object[mergeKey] else { return false }
                return !key.isNull
            }
            guard keyed else { return nil }
            return { item in .key([.init(name: mergeKey, value: item[mergeKey])]) }
        }
        let strategies = (schema.patchStrategy ?? "").split(separator: ",").map { $0.trimmingCharacters(in: " ") }
        if strategies.contains("merge"), items.allSatisfy({ shape($0) == .scalar }) {
            return { item in .value(item) }
        }
        return nil
    }

    private mutating func walkItems(_ oldList: [JSON], _ newList: [JSON], _ elementOf: (JSON) -> FieldPathElement,
                                    _ elementSchema: (any StrategicMergeSchema)?, _ path: inout [FieldPathElement]) {
        var order: [FieldPathElement] = []
        var oldItems: [FieldPathElement: [JSON]] = [:], newItems: [FieldPathElement: [JSON]] = [:]
        for item in oldList {
            let element = elementOf(item)
            if oldItems[element] == nil { order.append(element) }
            oldItems[element, default: []].append(item)
        }
        for item in newList {
            let element = elementOf(item)
            if oldItems[element] == nil && newItems[element] == nil { order.append(element) }
            newItems[element, default: []].append(item)
        }
        for element in order {
            let lhs = oldItems[element] ?? [], rhs = newItems[element] ?? []
            path.append(element)
            defer { path.removeLast() }
            // Duplicated keys cannot be tracked field by field; the element is owned whole.
            switch (lhs.count, rhs.count) {
            case (0...1, 0...1):
                walk(lhs.first, rhs.first, elementSchema, &path)
            case (2..., 2...):
                if lhs != rhs { modified.insert(path) }
            case (2..., _):
                if let first = rhs.first { walk(nil, first, elementSchema, &path) }
                removed.insert(path)
            default:
                if let first = lhs.first { walk(first, nil, elementSchema, &path) }
                added.insert(path)
            }
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var s = self
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return s
    }
}
