/// The client-certificate identities `ClusterPKI.ensure` issues from the client CA, one per component.
public enum ClientIdentity: String, CaseIterable, Sendable, Hashable {
    /// The administrator: `system:admin` in `system:masters`; used for `/etc/swiftlet/swiftlet.yaml`.
    case admin
    /// `system:kube-controller-manager` (swiftlet-controllers).
    case controllerManager
    /// `system:kube-scheduler` (swiftlet-scheduler).
    case scheduler
    /// `system:kube-proxy` (swiftlet-proxy).
    case kubeProxy
    /// `system:node:<nodeName>` in `system:nodes` (swiftlet-kubelet on the server node).
    case kubelet
    /// `system:swiftlet-supervisor` in `system:masters` (health probes, manifests, token handling).
    case supervisor
    /// `system:kube-apiserver` in `system:masters`: the apiserver's client certificate towards
    /// kubelets (logs, exec, port-forward).
    case apiserverKubeletClient

    /// The file name without extension: `<stem>.crt` and `<stem>.key` in the TLS directory.
    public var fileStem: String {
        switch self {
        case .admin: "client-admin"
        case .controllerManager: "client-controller"
        case .scheduler: "client-scheduler"
        case .kubeProxy: "client-kube-proxy"
        case .kubelet: "client-kubelet"
        case .supervisor: "client-supervisor"
        case .apiserverKubeletClient: "client-kube-apiserver"
        }
    }

    /// The Kubernetes user name (certificate CN).
    public func user(nodeName: String) -> String {
        switch self {
        case .admin: "system:admin"
        case .controllerManager: "system:kube-controller-manager"
        case .scheduler: "system:kube-scheduler"
        case .kubeProxy: "system:kube-proxy"
        case .kubelet: "system:node:\(nodeName)"
        case .supervisor: "system:swiftlet-supervisor"
        case .apiserverKubeletClient: "system:kube-apiserver"
        }
    }

    /// The Kubernetes groups (certificate O values).
    public var groups: [String] {
        switch self {
        case .admin, .supervisor, .apiserverKubeletClient: ["system:masters"]
        case .kubelet: ["system:nodes"]
        case .controllerManager, .scheduler, .kubeProxy: []
        }
    }
}
