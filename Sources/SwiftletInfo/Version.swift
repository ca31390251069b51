/// The version every Swiftlet executable reports.
public enum SwiftletVersion {
    public static let current = "0.1.0"
    /// The Kubernetes version the API server reports (kubectl's dispatcher picks its binary by the minor).
    public static let kubernetesMajor = "1"
    public static let kubernetesMinor = "32"
    public static let kubernetesGitVersion = "v1.32.0+swiftlet"
}
