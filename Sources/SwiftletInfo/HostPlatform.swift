/// The machine this build runs on, in Kubernetes' (Go's) terms.
public enum HostPlatform {
    /// GOARCH: what nodes report in `status.nodeInfo.architecture` and the `kubernetes.io/arch` label.
    public static var architecture: String {
        #if arch(arm64)
        "arm64"
        #elseif arch(arm)
        "arm"
        #else
        "amd64"
        #endif
    }
}
