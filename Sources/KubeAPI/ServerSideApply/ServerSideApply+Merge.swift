extension ServerSideApply {
    /// How the items of a list are named in field paths.
    enum ListKind {
        /// Replaced whole; owned as one leaf.
        case atomic
        /// Items are maps named `k:{"<key>":<value>}` by the schema's merge key.
        case keyed(String)
        /// Primitives merged as a set, named `v:<value>`.
        case set
    }

    static func listKind(_ schema: (any StrategicMergeSchema)?) -> ListKind {
        guard let schema else { return .atomic }
        if let key = schema.patchMergeKey { return .keyed(key) }
        let strategies = (schema.patchStrategy ?? "").split(separator: ",").map { $0.filter { $0 != " " } }
        return strategies.contains("merge") ? .set : .atomic
    }

    /// The path element of one item of a keyed or set list; throws when an item cannot be named
    /// (upstream refuses such lists in an applied configuration too).
    static func element(of item: JSON, in kind: ListKind, index: Int, path: [FieldPathElement]) throws(StatusError) -> FieldPathElement {
        switch kind {
        case .keyed(let key):
            guard case .object(let object) = item, let value = object[key], !value.isNull else {
                throw StatusError.badRequest("\(pathString(path)): element \(index): associative list with keys has an element that omits key field \"\(key)\"")
            }
            return .key([.init(name: key, value: value)])
        case .set:
            switch item {
            case .object, .array, .null:
                throw StatusError.badRequest("\(pathString(path)): element \(index): expected a primitive value in a set, got \(item.typeName)")
            default:
                return .value(item)
            }
        case .atomic:
            return .index(index)
        }
    }

    /// Names every item of a keyed or set list, refusing duplicates.
    static func elements(of items: [JSON], _ kind: ListKind, path: [FieldPathElement]) throws(StatusError) -> [FieldPathElement] {
        var seen = Set<FieldPathElement>()
        var result: [FieldPathElement] = []
        for (index, item) in items.enumerated() {
            let element = try Self.element(of: item, in: kind, index: index, path: path)
            guard seen.insert(element).inserted else {
                throw StatusError.badRequest("\(pathString(path)): duplicate entries for key \(pathString([element]))")
            }
            result.append(element)
        }
        return result
    }

    // MARK: - Field set of an applied configuration

    /// structured-merge-diff's `ToFieldSet` for the applied configuration: every scalar, empty
    /// map, null and atomic list is a leaf; maps are walked (their own path is not a member);
    /// keyed list items are members themselves and walked; set items are members.
    static func fieldSet(of config: JSON, schema: (any StrategicMergeSchema)?) throws(StatusError) -> FieldSet {
        var set = FieldSet()
        var path: [FieldPathElement] = []
        try collect(config, schema, &path, into: &set)
        return set
    }

    private static func collect(_ value: JSON, _ schema: (any StrategicMergeSchema)?, _ path: inout [FieldPathElement],
                                into set: inout FieldSet) throws(StatusError) {
        switch value {
        case .object(let object) where !object.isEmpty:
            for (key, child) in object {
                path.append(.field(key))
                try collect(child, schema?.field(key), &path, into: &set)
                path.removeLast()
            }
        case .array(let items):
            let kind = listKind(schema)
            if case .atomic = kind {
                set.insert(path)
                return
            }
            let names = try elements(of: items, kind, path: path)
            for (item, element) in zip(items, names) {
                path.append(element)
                set.insert(path)
                if case .keyed = kind, case .object(let object) = item {
                    for (key, child) in object {
                        path.append(.field(key))
                        try collect(child, schema?.elements?.field(key), &path, into: &set)
                        path.removeLast()
                    }
                }
                path.removeLast()
            }
        default:
            set.insert(path)
        }
    }

    // MARK: - Merge

    /// structured-merge-diff's `Merge` of the configuration into the live value. A null in the
    /// configuration removes the field (the applier still owns it, with no value).
    static func merge(_ live: JSON?, _ config: JSON, schema: (any StrategicMergeSchema)?,
                      path: [FieldPathElement]) throws(StatusError) -> JSON {
        switch (live, config) {
        case (.object(var result)?, .object(let applied)):
            for (key, value) in applied {
                if value.isNull {
                    result.removeValue(forKey: key)
                } else {
                    result[key] = try merge(result[key], value, schema: schema?.field(key), path: path + [.field(key)])
                }
            }
            return .object(result)
        case (.array(let liveItems)?, .array(let appliedItems)):
            let kind = listKind(schema)
            if case .atomic = kind { return config }
            let appliedNames = try elements(of: appliedItems, kind, path: path)
            // A live list whose items cannot be named (written before it was keyed) is replaced.
            guard let liveNames = try? elements(of: liveItems, kind, path: path) else { return config }
            var byName: [FieldPathElement: JSON] = [:]
            for (name, item) in zip(appliedNames, appliedItems) { byName[name] = item }
            var result: [JSON] = []
            var present = Set<FieldPathElement>()
            for (name, item) in zip(liveNames, liveItems) {
                present.insert(name)
                if let applied = byName[name] {
                    result.append(try merge(item, applied, schema: schema?.elements, path: path + [name]))
                } else {
                    result.append(item)
                }
            }
            for (name, item) in zip(appliedNames, appliedItems) where !present.contains(name) {
                result.append(try merge(nil, item, schema: schema?.elements, path: path + [name]))
            }
            return .array(result)
        default:
            // Nothing live (or a different type): the configuration's value, without its nulls.
            return try merge(.object([:]), config, schema: schema, path: path, fresh: true)
        }
    }

    private static func merge(_ empty: JSON, _ config: JSON, schema: (any StrategicMergeSchema)?,
                              path: [FieldPathElement], fresh: Bool) throws(StatusError) -> JSON {
        switch config {
        case .object:
            return try merge(empty, config, schema: schema, path: path)
        case .array(let items):
            let kind = listKind(schema)
            if case .atomic = kind { return config }
            // Validate the names (duplicates, missing keys) even for a new list.
            _ = try elements(of: items, kind, path: path)
            return try merge(.array([]), config, schema: schema, path: path)
        default:
            return config
        }
    }

    // MARK: - Prune

    /// Removes from `value` what the applier owned before (`last`) and nobody owns now (`keep`):
    /// a path is removed whole when neither it nor anything below it is kept; a kept path is
    /// walked so that its dropped children still go.
    static func prune(_ value: JSON, last: FieldSet, keep: FieldSet, schema: (any StrategicMergeSchema)?) -> JSON {
        switch value {
        case .object(var object):
            for key in Array(object.keys) {
                let element = FieldPathElement.field(key)
                guard let child = object[key] else { continue }
                if drops(element, last: last, keep: keep) {
                    object.removeValue(forKey: key)
                } else if let below = last.children[element] {
                    object[key] = prune(child, last: below, keep: keep.children[element] ?? FieldSet(), schema: schema?.field(key))
                }
            }
            return .object(object)
        case .array(let items):
            let kind = listKind(schema)
            if case .atomic = kind { return value }
            var result: [JSON] = []
            for (index, item) in items.enumerated() {
                guard let element = try? Self.element(of: item, in: kind, index: index, path: []) else {
                    result.append(item)
                    continue
                }
                if drops(element, last: last, keep: keep) { continue }
                if let below = last.children[element] {
                    result.append(prune(item, last: below, keep: keep.children[element] ?? FieldSet(), schema: schema?.elements))
                } else {
                    result.append(item)
                }
            }
            return .array(result)
        default:
            return value
        }
    }

    private static func drops(_ element: FieldPathElement, last: FieldSet, keep: FieldSet) -> Bool {
        last.members.contains(element) && !keep.members.contains(element) && (keep.children[element]?.isEmpty ?? true)
    }
}
