import KubeAPI

/// One API request before it is put on the wire.
struct APIRequest: Sendable {
    var method: String
    var path: String
    var query: [(String, String)] = []
    var body: [UInt8]?
    var contentType: String?
    /// Watches stream without a deadline; everything else gets the request timeout.
    var streaming = false

    /// `path?k=v&...` with values percent-encoded.
    var target: String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { "\(QueryEncoding.escape($0.0))=\(QueryEncoding.escape($0.1))" }.joined(separator: "&")
    }
}

enum QueryEncoding {
    /// RFC 3986 unreserved characters stay; everything else (selectors use `=`, `,`, `!`) is escaped.
    static func escape(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
            }
        }
        return out
    }
}

extension ListOptions {
    /// The query items of a list (or, with `watch`, a watch) request.
    func queryItems(watch: Bool) -> [(String, String)] {
        var items: [(String, String)] = []
        if watch { items.append(("watch", "true")) }
        if let labelSelector, !labelSelector.isEmpty { items.append(("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { items.append(("fieldSelector", fieldSelector)) }
        if let limit, limit > 0 { items.append(("limit", String(limit))) }
        if let continueToken, !continueToken.isEmpty { items.append(("continue", continueToken)) }
        if let resourceVersion { items.append(("resourceVersion", resourceVersion)) }
        if let resourceVersionMatch, !resourceVersionMatch.isEmpty { items.append(("resourceVersionMatch", resourceVersionMatch)) }
        if let timeoutSeconds { items.append(("timeoutSeconds", String(timeoutSeconds))) }
        if watch, allowWatchBookmarks { items.append(("allowWatchBookmarks", "true")) }
        return items
    }
}

extension DeleteOptions {
    /// The `DeleteOptions` body upstream clients send.
    var body: JSON {
        var object: JSONObject = ["kind": "DeleteOptions", "apiVersion": "v1"]
        if let propagationPolicy { object["propagationPolicy"] = .string(propagationPolicy) }
        if let gracePeriodSeconds { object["gracePeriodSeconds"] = .int(Int64(gracePeriodSeconds)) }
        if preconditionUID != nil || preconditionResourceVersion != nil {
            var preconditions = JSONObject()
            if let preconditionUID { preconditions["uid"] = .string(preconditionUID) }
            if let preconditionResourceVersion { preconditions["resourceVersion"] = .string(preconditionResourceVersion) }
            object["preconditions"] = .object(preconditions)
        }
        return .object(object)
    }
}
