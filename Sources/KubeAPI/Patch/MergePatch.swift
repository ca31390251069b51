/// RFC 7386 JSON Merge Patch (`application/merge-patch+json`), the patch type kubectl uses for
/// custom resources.
public enum MergePatch {
    /// Applies `patch` to `document`: objects merge recursively, `null` deletes a member, and any
    /// other value (arrays included) replaces the target whole. Nulls inside newly added objects are
    /// dropped too, as the RFC's recursive definition implies.
    public static func apply(_ patch: JSON, to document: JSON) -> JSON {
        guard case .object(let patchObject) = patch else { return patch }
        var target: JSONObject
        if case .object(let object) = document { target = object } else { target = [:] }
        for (key, value) in patchObject {
            if value.isNull {
                target.removeValue(forKey: key)
            } else {
                target[key] = apply(value, to: target[key] ?? .null)
            }
        }
        return .object(target)
    }
}
