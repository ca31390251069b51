import FoundationEssentials

/// Default lifetimes used when the caller does not pass one.
public enum CertificateValidity {
    /// Lifetime of a self-signed CA: ten years.
    public static let certificateAuthority: Duration = .days(3650)
    /// Lifetime of a serving or client certificate: one year.
    public static let leaf: Duration = .days(365)
    /// A leaf that expires within this window is re-issued by `ClusterPKI.ensure`.
    public static let renewBefore: Duration = .days(90)
    /// Leaves are back-dated by this much so a peer whose clock runs slightly behind accepts them.
    public static let clockSkewAllowance: Duration = .seconds(5 * 60)
}

extension Duration {
    /// `n` days of 86 400 seconds.
    public static func days(_ n: Int) -> Duration { .seconds(n * 86_400) }

    /// This duration as a Foundation `TimeInterval`, for `Date` arithmetic.
    var timeInterval: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}
