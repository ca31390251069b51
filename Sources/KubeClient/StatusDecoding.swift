import KubeAPI

/// Turns a non-2xx answer into a `StatusError`: the `Status` body when there is one, otherwise the
/// reason upstream's client derives from the HTTP code (`NewGenericServerResponse`).
enum StatusDecoding {
    static func error(code: Int, body: [UInt8], retryAfter: Int? = nil, verb: String = "") -> StatusError {
        if let json = try? JSON(parsing: body), json["kind"].stringValue == "Status",
           let error = decode(status: json, httpCode: code, retryAfter: retryAfter) {
            return error
        }
        let (reason, message) = generic(code: code, verb: verb)
        var text = message
        let snippet = String(decoding: body.prefix(1024), as: UTF8.self).trimmingWhitespace()
        if !snippet.isEmpty { text += " (\(snippet))" }
        var details: StatusError.Details?
        if !snippet.isEmpty {
            details = .init(causes: [StatusCause(reason: "UnexpectedServerResponse", message: snippet, field: "")],
                            retryAfterSeconds: retryAfter)
        } else if let retryAfter {
            details = .init(retryAfterSeconds: retryAfter)
        }
        return StatusError(code: code, reason: reason, message: text, details: details, retryAfterSeconds: retryAfter)
    }

    /// A `Status` object (also the object of a watch ERROR event) as an error; nil if it is a success.
    static func decode(status json: JSON, httpCode: Int = 0, retryAfter: Int? = nil) -> StatusError? {
        guard json["status"].stringValue != "Success" else { return nil }
        let code = json["code"].intValue.map(Int.init) ?? httpCode
        let reason = json["reason"].stringValue ?? generic(code: code, verb: "").reason
        var details: StatusError.Details?
        let d = json["details"]
        if d.objectValue != nil {
            let causes = (d["causes"].arrayValue ?? []).map { c in
                StatusCause(reason: c["reason"].stringValue ?? "", message: c["message"].stringValue ?? "",
                            field: c["field"].stringValue ?? "")
            }
            details = .init(name: d["name"].stringValue, group: d["group"].stringValue, kind: d["kind"].stringValue,
                            uid: d["uid"].stringValue, causes: causes,
                            retryAfterSeconds: d["retryAfterSeconds"].intValue.map(Int.init))
        }
        return StatusError(code: code, reason: reason, message: json["message"].stringValue ?? "",
                           details: details, retryAfterSeconds: details?.retryAfterSeconds ?? retryAfter)
    }

    static func generic(code: Int, verb: String) -> (reason: String, message: String) {
        switch code {
        case 409 where verb == "POST": ("AlreadyExists", "the server reported a conflict")
        case 409: ("Conflict", "the server reported a conflict")
        case 404: ("NotFound", "the server could not find the requested resource")
        case 400: ("BadRequest", "the server rejected our request for an unknown reason")
        case 401: ("Unauthorized", "the server has asked for the client to provide credentials")
        case 403: ("Forbidden", "the server does not allow access to the requested resource")
        case 405: ("MethodNotAllowed", "the server does not allow this method on the requested resource")
        case 406: ("NotAcceptable", "the server was unable to respond with a content type that the client supports")
        case 410: ("Expired", "the server reported the requested resource version is too old")
        case 413: ("RequestEntityTooLarge", "the server rejected the request because it is too large")
        case 415: ("UnsupportedMediaType", "the server does not support the content type of the request")
        case 422: ("Invalid", "the server rejected our request due to an error in our request")
        case 429: ("TooManyRequests", "the server has received too many requests and has asked us to try again later")
        case 503: ("ServiceUnavailable", "the server is currently unable to handle the request")
        case 504: ("Timeout", "the server was unable to return a response in the time allotted, but may still be processing the request")
        case 500...599: ("InternalError", "an error on the server has prevented the request from succeeding")
        default: ("Unknown", "the server responded with the status code \(code) but did not return more information")
        }
    }
}
