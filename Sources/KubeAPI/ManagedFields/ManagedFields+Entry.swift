extension ManagedFields {
    /// One `metav1.ManagedFieldsEntry`.
    public struct Entry: Hashable, Sendable {
        public var manager: String
        /// `Update` or `Apply`.
        public var operation: String
        public var apiVersion: String
        public var time: String?
        public var subresource: String?
        public var fields: FieldSet

        public init(manager: String, operation: String, apiVersion: String, time: String?,
                    subresource: String?, fields: FieldSet) {
            self.manager = manager
            self.operation = operation
            self.apiVersion = apiVersion
            self.time = time
            self.subresource = subresource
            self.fields = fields
        }

        /// Reads an entry, checked as upstream `DecodeManagedFields` checks it.
        public init(json: JSON) throws(ManagedFieldsDecodingError) {
            guard case .object(let object) = json else {
                throw ManagedFieldsDecodingError("managed fields entry must be an object")
            }
            let operation = object["operation"]?.stringValue ?? ""
            guard operation == "Apply" || operation == "Update" else {
                throw ManagedFieldsDecodingError("operation must be `Apply` or `Update`")
            }
            let apiVersion = object["apiVersion"]?.stringValue ?? ""
            guard !apiVersion.isEmpty else { throw ManagedFieldsDecodingError("apiVersion must not be empty") }
            switch object["fieldsType"]?.stringValue ?? "" {
            case "FieldsV1": break
            case "": throw ManagedFieldsDecodingError("missing fieldsType in managed fields entry")
            case let other: throw ManagedFieldsDecodingError("invalid fieldsType \"\(other)\" in managed fields entry")
            }
            let fieldsV1 = object["fieldsV1"] ?? .null
            self.init(
                manager: object["manager"]?.stringValue ?? "", operation: operation, apiVersion: apiVersion,
                time: object["time"]?.stringValue, subresource: object["subresource"]?.stringValue,
                fields: fieldsV1.isNull ? FieldSet() : try FieldSet(fieldsV1: fieldsV1))
        }

        /// The entry in the API's field order.
        public var json: JSON {
            var object: JSONObject = ["manager": .string(manager), "operation": .string(operation),
                                      "apiVersion": .string(apiVersion)]
            if let time { object["time"] = .string(time) }
            object["fieldsType"] = "FieldsV1"
            object["fieldsV1"] = fields.fieldsV1
            if let subresource, !subresource.isEmpty { object["subresource"] = .string(subresource) }
            return .object(object)
        }

        /// Upstream `BuildManagerIdentifier`: everything but fields and time; `Apply` entries
        /// ignore the apiVersion so an applier keeps one entry across versions.
        func sameIdentity(as other: Entry) -> Bool {
            manager == other.manager && operation == other.operation
                && (subresource ?? "") == (other.subresource ?? "")
                && (operation == "Apply" || apiVersion == other.apiVersion)
        }

        /// Upstream `sortEncodedManagedFields`. Times are RFC 3339 UTC strings, so comparing the
        /// text orders them in time; a missing time sorts first, as upstream's zero does.
        static func encodingOrder(_ p: Entry, _ q: Entry) -> Bool {
            if p.operation != q.operation { return goLess(p.operation, q.operation) }
            let (pt, qt) = (p.time ?? "", q.time ?? "")
            if pt != qt { return goLess(pt, qt) }
            if p.manager != q.manager { return goLess(p.manager, q.manager) }
            if p.apiVersion != q.apiVersion { return goLess(p.apiVersion, q.apiVersion) }
            return goLess(p.subresource ?? "", q.subresource ?? "")
        }
    }
}
