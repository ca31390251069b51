import FoundationEssentials
import KubeAPI

// Generic helpers the Job and CronJob controllers share: JSON accessors, owner references, pod
// phase and readiness, conditions and civil-time arithmetic. Other controllers have similar helpers;
// they are kept `internal` so merging them later changes no public API.

extension JSON {
    /// The string value, or "" when absent or not a string.
    var jobString: String { stringValue ?? "" }
    /// The object members, or empty when absent or not an object.
    var jobObject: JSONObject { objectValue ?? [:] }
    /// The array elements, or empty when absent or not an array.
    var jobArray: [JSON] { arrayValue ?? [] }
    /// Labels-style map of strings (non-string members are skipped).
    var jobStringMap: [String: String] {
        var map: [String: String] = [:]
        for (key, value) in jobObject { if let s = value.stringValue { map[key] = s } }
        return map
    }
}

enum JobSupport {
    // MARK: Object metadata

    static func name(_ object: JSON) -> String { object["metadata"]["name"].jobString }
    static func namespace(_ object: JSON) -> String { object["metadata"]["namespace"].jobString }
    static func uid(_ object: JSON) -> String { object["metadata"]["uid"].jobString }
    static func isBeingDeleted(_ object: JSON) -> Bool { !object["metadata"]["deletionTimestamp"].isNull }
    static func creationTime(_ object: JSON) -> Date? { time(object["metadata"]["creationTimestamp"]) }

    static func time(_ value: JSON) -> Date? { value.stringValue.flatMap(Timestamp.parse) }

    /// The ownerReference with `controller: true`, if any.
    static func controllerRef(_ object: JSON) -> JSON? {
        object["metadata"]["ownerReferences"].jobArray.first { $0["controller"].boolValue == true }
    }

    /// True when `object`'s controller reference names `owner`'s uid.
    static func isControlled(_ object: JSON, by ownerUID: String) -> Bool {
        guard !ownerUID.isEmpty, let ref = controllerRef(object) else { return false }
        return ref["uid"].jobString == ownerUID
    }

    /// `metav1.NewControllerRef`: the reference a controller puts on what it creates.
    static func controllerReference(to owner: JSON, apiVersion: String, kind: String) -> JSON {
        [
            "apiVersion": .string(apiVersion), "kind": .string(kind),
            "name": .string(name(owner)), "uid": .string(uid(owner)),
            "controller": true, "blockOwnerDeletion": true,
        ]
    }

    static func hasFinalizer(_ object: JSON, _ finalizer: String) -> Bool {
        object["metadata"]["finalizers"].jobArray.contains { $0.stringValue == finalizer }
    }

    // MARK: Pods

    static func phase(_ pod: JSON) -> String { pod["status"]["phase"].jobString }
    static func isTerminal(_ pod: JSON) -> Bool { ["Succeeded", "Failed"].contains(phase(pod)) }

    /// `podutil.IsPodReady`: the Ready condition is True.
    static func isReady(_ pod: JSON) -> Bool {
        condition(pod, "Ready")?["status"].stringValue == "True"
    }

    /// When a terminated pod finished: its containers' latest `finishedAt`, else the latest condition
    /// transition, else its deletion or creation time (upstream's `getFinishedTime` order).
    static func finishTime(_ pod: JSON) -> Date? {
        let statuses = pod["status"]["containerStatuses"].jobArray + pod["status"]["initContainerStatuses"].jobArray
        let finished = statuses.compactMap { time($0["state"]["terminated"]["finishedAt"]) }
        if let latest = finished.max() { return latest }
        let transitions = pod["status"]["conditions"].jobArray.compactMap { time($0["lastTransitionTime"]) }
        if let latest = transitions.max() { return latest }
        return time(pod["metadata"]["deletionTimestamp"]) ?? creationTime(pod)
    }

    // MARK: Conditions

    static func condition(_ object: JSON, _ type: String) -> JSON? {
        object["status"]["conditions"].jobArray.first { $0["type"].stringValue == type }
    }

    static func conditionIsTrue(_ object: JSON, _ type: String) -> Bool {
        condition(object, type)?["status"].stringValue == "True"
    }

    /// `Complete` or `Failed`, when the Job has finished.
    static func finishedConditionType(_ job: JSON) -> String? {
        for c in job["status"]["conditions"].jobArray
        where c["status"].stringValue == "True" && ["Complete", "Failed"].contains(c["type"].jobString) {
            return c["type"].jobString
        }
        return nil
    }

    static func newCondition(_ type: String, status: String, reason: String, message: String, now: Date) -> JSON {
        let stamp = JSON.string(Timestamp.format(now))
        return [
            "type": .string(type), "status": .string(status), "lastProbeTime": stamp,
            "lastTransitionTime": stamp, "reason": .string(reason), "message": .string(message),
        ]
    }

    /// Sets a condition, keeping `lastTransitionTime` when the status does not change
    /// (`ensureJobConditionStatus`). Returns whether anything changed.
    @discardableResult
    static func setCondition(_ conditions: inout [JSON], _ type: String, status: String, reason: String,
                             message: String, now: Date) -> Bool {
        if let i = conditions.firstIndex(where: { $0["type"].stringValue == type }) {
            var c = conditions[i]
            if c["status"].stringValue == status && c["reason"].jobString == reason && c["message"].jobString == message {
                return false
            }
            if c["status"].stringValue != status { c["lastTransitionTime"] = .string(Timestamp.format(now)) }
            c["status"] = .string(status)
            c["reason"] = .string(reason)
            c["message"] = .string(message)
            c["lastProbeTime"] = .string(Timestamp.format(now))
            conditions[i] = c
            return true
        }
        conditions.append(newCondition(type, status: status, reason: reason, message: message, now: now))
        return true
    }

    // MARK: Civil time (proleptic Gregorian, no Foundation calendar)

    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// 0 = Sunday, as Go's `time.Weekday`.
    static func weekday(days: Int) -> Int { ((days % 7) + 11) % 7 }

    static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

    private static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// Go's `time.RFC3339` for `date` seen at `offset` seconds east of UTC ("Z" when the offset is 0).
    static func rfc3339(_ date: Date, offset: Int) -> String {
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + offset
        let days = floorDiv(local, 86400)
        let rest = local - days * 86400
        let (y, m, d) = civilFromDays(days)
        var text = "\(y)-\(two(m))-\(two(d))T\(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60))"
        if offset == 0 { return text + "Z" }
        let sign = offset < 0 ? "-" : "+"
        text += "\(sign)\(two(abs(offset) / 3600)):\(two(abs(offset) / 60 % 60))"
        return text
    }

    /// Go's `time.RFC1123Z` in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`.
    static func rfc1123Z(_ date: Date) -> String {
        let total = Int(date.timeIntervalSince1970.rounded(.down))
        let days = floorDiv(total, 86400)
        let rest = total - days * 86400
        let (y, m, d) = civilFromDays(days)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(weekdays[weekday(days: days)]), \(two(d)) \(months[m - 1]) \(y) "
            + "\(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60)) +0000"
    }
}
