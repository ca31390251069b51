/// `imagePullPolicy` and what it means for an image the runtime does or does not have.
public enum PullPolicy: String, Sendable, Hashable {
    case always = "Always"
    case ifNotPresent = "IfNotPresent"
    case never = "Never"

    /// The policy of a container: its `imagePullPolicy`, else the API's default (Always for an
    /// image tagged `:latest` or without a tag or digest, IfNotPresent otherwise).
    public static func of(image: String, imagePullPolicy: String?) -> PullPolicy {
        if let explicit = imagePullPolicy.flatMap(PullPolicy.init(rawValue:)) { return explicit }
        return defaultPolicy(image: image)
    }

    /// The API default for `image`.
    public static func defaultPolicy(image: String) -> PullPolicy {
        if image.contains("@") { return .ifNotPresent }
        let lastComponent = image.split(separator: "/").last.map(String.init) ?? image
        guard let colon = lastComponent.lastIndex(of: ":") else { return .always }
        return lastComponent[lastComponent.index(after: colon)...] == "latest" ? .always : .ifNotPresent
    }

    /// What to do given whether the image is present.
    public func decision(imagePresent: Bool) -> PullDecision {
        switch self {
        case .always: .pull
        case .ifNotPresent: imagePresent ? .usePresent : .pull
        case .never: imagePresent ? .usePresent : .fail
        }
    }
}

/// The outcome of a pull policy.
public enum PullDecision: Sendable, Hashable {
    case pull
    case usePresent
    /// Never and the image is missing: the container waits in `ErrImageNeverPull`.
    case fail
}

