/// List merging and ordering for strategic merge patches.
extension StrategicMergePatch {
    /// Merges a patch list into an original list (empty for a list the patch adds).
    static func mergeList(_ original: [JSON], _ patch: [JSON], field: PatchFieldMeta) throws(PatchError) -> [JSON] {
        if field.merges { return try mergeSlice(original, patch, field: field) }
        // Atomic list: the patch replaces it. Its elements are applied to nothing so that stray
        // directives (a `$patch` element, nested `$setElementOrder`, ...) do not survive.
        var result: [JSON] = []
        for element in patch {
            if let value = try fresh(element, field: field.elements) { result.append(value) }
        }
        return result
    }

    private enum ElementKind { case object, scalar }

    /// The common kind of the elements; lists of lists and mixed lists cannot merge (422).
    private static func elementKind(_ lists: [JSON]...) throws(PatchError) -> ElementKind? {
        var kind: ElementKind?
        for list in lists {
            for element in list {
                let current: ElementKind
                switch element {
                case .array: throw .invalid("lists of lists are not supported")
                case .object: current = .object
                default: current = .scalar
                }
                if let kind, kind != current { throw .invalid("list element types are not identical") }
                kind = current
            }
        }
        return kind
    }

    /// A list with strategy `merge`: maps merge by merge key, primitives merge as a set.
    private static func mergeSlice(_ original: [JSON], _ patch: [JSON], field: PatchFieldMeta) throws(PatchError) -> [JSON] {
        guard let kind = try elementKind(original, patch) else { return original }
        if kind == .scalar {
            var merged: [JSON] = []
            for value in original + patch where !merged.contains(where: { $0.semanticallyEquals(value) }) {
                merged.append(value)
            }
            return ordered(merged, patchOrder: patch, serverOrder: original, mergeKey: nil)
        }
        guard let mergeKey = field.mergeKey else {
            throw .invalid("cannot merge lists of maps without a merge key")
        }
        let elementSchema = field.schema?.elements

        // Special elements first: deletions by key, and a whole-list replacement.
        var base = original
        var plain: [JSONObject] = []
        var replaceAll = false
        for element in patch {
            guard case .object(let object) = element else { continue }  // elementKind checked
            guard let directive = object[PatchDirective.marker] else {
                plain.append(object)
                continue
            }
            switch directive.stringValue {
            case PatchDirective.delete?:
                guard let keyValue = object[mergeKey] else { throw missingMergeKey(object, mergeKey) }
                base.removeAll { sameKey($0, keyValue, mergeKey) }
            case PatchDirective.replace?:
                replaceAll = true
            case PatchDirective.merge?:
                throw .badRequest("merging lists cannot yet be specified in the patch")
            default:
                throw PatchDirective.unknownPatchType(directive)
            }
        }
        if replaceAll {
            var replaced: [JSON] = []
            for object in plain { replaced.append(.object(try mergeMap([:], object, schema: elementSchema))) }
            return replaced
        }

        var merged = base
        for object in plain {
            guard let keyValue = object[mergeKey] else { throw missingMergeKey(object, mergeKey) }
            if let index = merged.firstIndex(where: { sameKey($0, keyValue, mergeKey) }),
               case .object(let existing) = merged[index] {
                merged[index] = .object(try mergeMap(existing, object, schema: elementSchema))
            } else {
                merged.append(.object(try mergeMap([:], object, schema: elementSchema)))
            }
        }
        return ordered(merged, patchOrder: plain.map(JSON.object), serverOrder: base, mergeKey: mergeKey)
    }

    /// `$setElementOrder/<list>`: merges the list (if the patch has it) and orders it: items named
    /// in the order list follow it, the others keep their place relative to the live list.
    /// Returns the merged lists that the patch also carries, for the caller to store when it reaches
    /// them, so that members the patch adds keep the patch's key order.
    static func applySetElementOrder(
        _ original: inout JSONObject, _ patch: inout JSONObject, schema: (any StrategicMergeSchema)?
    ) throws(PatchError) -> [String: JSON] {
        var precomputed: [String: JSON] = [:]
        let orderKeys = patch.keys.filter { $0.hasPrefix(PatchDirective.setElementOrderPrefix) }
        for key in orderKeys {
            let directive = patch.removeValue(forKey: key) ?? .null
            let listKey = String(key.dropFirst(PatchDirective.setElementOrderPrefix.count))
            guard !listKey.isEmpty, case .array(let order) = directive else {
                throw .badRequest("invalid patch format of setElementOrder list: \(key)")
            }
            // A list the patch deletes needs no order; the null is handled as any other.
            if patch[listKey]?.isNull == true { continue }
            let field = PatchFieldMeta(schema?.field(listKey))
            let originalList = try listValue(original[listKey], name: listKey)
            let patchList = try listValue(patch[listKey], name: listKey)
            try validateOrder(patchList ?? [], order: order, mergeKey: field.mergeKey)

            let merged: [JSON]
            switch (originalList, patchList) {
            case (let current?, nil): merged = current
            case (let current, let patchList?): merged = try mergeList(current ?? [], patchList, field: field)
            case (nil, nil): continue
            }
            let result = JSON.array(ordered(merged, patchOrder: order, serverOrder: originalList ?? [],
                                            mergeKey: field.mergeKey))
            if patchList == nil { original[listKey] = result } else { precomputed[listKey] = result }
        }
        return precomputed
    }

    private static func listValue(_ value: JSON?, name: String) throws(PatchError) -> [JSON]? {
        guard let value else { return nil }
        guard case .array(let list) = value else {
            throw .invalid("expected a list for \"\(name)\", but received \(value.typeName)")
        }
        return list
    }

    /// The patch list must be a subsequence of the order list (deletions aside), as upstream checks.
    private static func validateOrder(_ patchList: [JSON], order: [JSON], mergeKey: String?) throws(PatchError) {
        let items = patchList.filter { $0[PatchDirective.marker].isNull }
        var patchIndex = 0
        var orderIndex = 0
        while patchIndex < items.count && orderIndex < order.count {
            if sameElement(items[patchIndex], order[orderIndex], mergeKey: mergeKey) { patchIndex += 1 }
            orderIndex += 1
        }
        if patchIndex < items.count && !order.isEmpty {
            throw .badRequest("invalid patch format of setElementOrder list: the order in the patch list doesn't match the $setElementOrder list")
        }
    }

    // MARK: - Ordering (upstream normalizeElementOrder / mergeSortedSlice)

    /// Orders a merged list: items present in `patchOrder` follow that order and win ties; the
    /// others keep the live (`serverOrder`) order and are interleaved where the live list had them.
    static func ordered(_ merged: [JSON], patchOrder: [JSON], serverOrder: [JSON], mergeKey: String?) -> [JSON] {
        var fromPatch: [JSON] = []
        var serverOnly: [JSON] = []
        for item in merged {
            if patchOrder.contains(where: { sameElement($0, item, mergeKey: mergeKey) }) {
                fromPatch.append(item)
            } else {
                serverOnly.append(item)
            }
        }
        let right = stableSorted(fromPatch, by: patchOrder, mergeKey: mergeKey)
        let left = stableSorted(serverOnly, by: serverOrder, mergeKey: mergeKey)
        func position(_ item: JSON) -> Int? {
            serverOrder.firstIndex { sameElement($0, item, mergeKey: mergeKey) }
        }
        var result: [JSON] = []
        result.reserveCapacity(merged.count)
        var i = 0
        var j = 0
        while i < left.count || j < right.count {
            if j >= right.count {
                result.append(left[i]); i += 1
            } else if i >= left.count {
                result.append(right[j]); j += 1
            } else if let l = position(left[i]), let r = position(right[j]), l < r {
                result.append(left[i]); i += 1
            } else {
                result.append(right[j]); j += 1
            }
        }
        return result
    }

    private static func stableSorted(_ items: [JSON], by order: [JSON], mergeKey: String?) -> [JSON] {
        items.enumerated().map { offset, item in
            (rank: order.firstIndex { sameElement($0, item, mergeKey: mergeKey) } ?? Int.max, offset: offset, item: item)
        }
        .sorted { ($0.rank, $0.offset) < ($1.rank, $1.offset) }
        .map(\.item)
    }

    /// Identity of list elements: the merge key value for maps, the value itself otherwise.
    static func sameElement(_ a: JSON, _ b: JSON, mergeKey: String?) -> Bool {
        if let mergeKey, case .object(let x) = a, case .object(let y) = b {
            guard let kx = x[mergeKey], let ky = y[mergeKey] else { return false }
            return kx.semanticallyEquals(ky)
        }
        return a.semanticallyEquals(b)
    }

    private static func sameKey(_ element: JSON, _ keyValue: JSON, _ mergeKey: String) -> Bool {
        guard case .object(let object) = element, let value = object[mergeKey] else { return false }
        return value.semanticallyEquals(keyValue)
    }

    private static func missingMergeKey(_ object: JSONObject, _ mergeKey: String) -> PatchError {
        .badRequest("map: \(JSON.object(object).jsonString) does not contain declared merge key: \(mergeKey)")
    }
}
