import KubePKI
import Supervision
import SwiftletCore

extension ServerRun {
    /// A component besides the apiserver: its executable, kubeconfig identity and default port.
    struct ComponentEntry {
        let name: String
        let executableName: String
        let credential: String
        /// The health endpoints' port when the apiserver has a fixed port (upstream's defaults).
        let defaultPort: Int
    }

    static let scheduler = ComponentEntry(name: "scheduler", executableName: "swiftlet-scheduler", credential: "scheduler", defaultPort: 10259)
    static let controllers = ComponentEntry(name: "controllers", executableName: "swiftlet-controllers", credential: "controller", defaultPort: 10257)
    /// The kubelet's API (logs, exec, stats) and its health endpoints share upstream's 10250.
    static let kubelet = ComponentEntry(name: "kubelet", executableName: "swiftlet-kubelet", credential: "kubelet", defaultPort: 10250)
    /// kube-proxy's health port.
    static let proxy = ComponentEntry(name: "proxy", executableName: "swiftlet-proxy", credential: "kube-proxy", defaultPort: 10256)
    /// The cluster DNS (K3s's CoreDNS add-on, `--disable coredns`), as the node's network service it
    /// shares the proxy's identity. Its health endpoints sit beside its DNS port.
    static let dns = ComponentEntry(name: "dns", executableName: "swiftlet-dns", credential: "kube-proxy", defaultPort: 10054)
    /// Where the cluster DNS answers on each node (UDP and TCP, every address, pod and service
    /// networks and the host only); the kube-dns Service's port 53 is forwarded here by the proxy.
    static let dnsPort = 10053

    /// Writes the typed config of each component after the apiserver and returns their specs:
    /// control-plane ones and node ones. A real node gets containerd and a kubelet on it; with
    /// `--simulated-nodes` the kubelet runs hollow nodes instead (and no containerd).
    func componentSpecs(_ prepared: Prepared) throws -> (controlPlane: [ComponentSpec], node: [ComponentSpec], executables: [String: String]) {
        var controlPlane: [ComponentSpec] = []
        var node: [ComponentSpec] = []
        var executables: [String: String] = [:]
        let selfExecutable = ExecutableLocator.currentExecutable()
        func make(_ entry: ComponentEntry, configure: (inout ComponentConfig) -> Void) throws -> ComponentSpec {
            var componentConfig = ComponentConfig(
                kubeconfig: config.credentialPath(entry.credential),
                tlsCertFile: prepared.pki.serving.certificatePath, tlsKeyFile: prepared.pki.serving.keyPath,
                clientCAFile: prepared.pki.clientCA.certificatePath)
            componentConfig.logLevel = ControlPlaneFiles.componentLogLevel(config.logLevel)
            let usePortFile = prepared.removePortFile
            componentConfig.securePort = usePortFile ? 0 : entry.defaultPort
            componentConfig.portFile = usePortFile ? config.portFile(entry.name) : nil
            configure(&componentConfig)
            let path = config.componentConfigDirectory + "/\(entry.name).json"
            try componentConfig.write(to: path)
            executables[entry.name] = try ExecutableLocator.locate(entry.executableName, selfExecutable: selfExecutable)
            return ComponentSpec(
                name: entry.name, executableName: entry.executableName, arguments: ["--config", path], configFile: path,
                port: usePortFile ? .portFile(config.portFile(entry.name)) : .fixed(entry.defaultPort),
                portArgument: "--secure-port", dependencies: [Self.apiserver], stopTimeout: .seconds(10),
                readyTimeout: .seconds(60), critical: true)
        }
        let disabled = Set(config.disabledComponents)
        if !disabled.contains(Self.scheduler.name) { controlPlane.append(try make(Self.scheduler) { _ in }) }
        if !disabled.contains(Self.controllers.name) {
            controlPlane.append(try make(Self.controllers) { c in
                c.clusterCIDR = config.clusterCIDR
                c.serviceCIDR = config.serviceCIDR
                // K3s's `--disable servicelb`: LoadBalancer services keep no ingress address.
                if disabled.contains("servicelb") { c.controllers = ["*", "-servicelb"] }
            })
        }
        if runsContainerd {
            let containerd = try containerdSpec()
            node.append(containerd.spec)
            executables[Self.containerd] = containerd.executable
        }
        if config.simulatedNodes == 0, !config.disableAgent, !disabled.contains(Self.kubelet.name),
           runsContainerd || config.containerRuntimeEndpoint != nil {
            // The real node: pods on containerd over CRI, after containerd when this server runs it.
            let layout = ContainerdLayout(agentDirectory: config.agentDirectory, runDir: config.runDir)
            var spec = try make(Self.kubelet) { c in
                // Its own serving certificate (node name and addresses): the apiserver dials it.
                c.tlsCertFile = prepared.pki.servingKubelet.certificatePath
                c.tlsKeyFile = prepared.pki.servingKubelet.keyPath
                // The kubelet API listens on every interface (upstream's --address), except on a
                // loopback-only server, whose node is then reached (and reported) on loopback.
                let loopbackOnly = ["127.0.0.1", "::1"].contains(config.bindAddress)
                c.bindAddress = loopbackOnly ? config.bindAddress : "0.0.0.0"
                c.nodeIP = loopbackOnly ? config.bindAddress : nil
                c.containerRuntime = "containerd"
                c.containerRuntimeEndpoint = config.containerRuntimeEndpoint ?? layout.containerdConfig().socketPath
                c.agentDirectory = config.agentDirectory
                c.cniConfDirectory = layout.cniConfDirectory
                c.nodeName = config.nodeName
                c.clusterCIDR = config.clusterCIDR
                c.privateRegistry = config.privateRegistry
                c.clusterDomain = config.clusterDomain
                c.clusterDNS = disabled.contains(Self.dns.name) || disabled.contains("coredns") ? nil : config.clusterDNS
                c.upstreamResolvConf = config.resolvConf
                c.controlPlane = true
                c.leaderElect = false
                c.evictionHard = config.kubeletArgs["eviction-hard"]
                c.containerLogMaxSize = config.kubeletArgs["container-log-max-size"].flatMap(SettingParsers.byteSize)
                c.containerLogMaxFiles = config.kubeletArgs["container-log-max-files"].flatMap { Int($0) }
                c.evictionPressureTransitionPeriodSeconds = config.kubeletArgs["eviction-pressure-transition-period"]
                    .flatMap(SettingParsers.goDurationSeconds)
            }
            if runsContainerd { spec.dependencies.append(Self.containerd) }
            // Registration waits for containerd's CRI plugin and the image import.
            spec.readyTimeout = .seconds(120)
            node.append(spec)
            node.append(contentsOf: try networkServices(prepared, make: make))
        }
        if config.simulatedNodes > 0, !config.disableAgent, !disabled.contains(Self.kubelet.name) {
            node.append(try make(Self.kubelet) { c in
                c.containerRuntime = "simulated"
                c.simulatedNodes = config.simulatedNodes
                c.nodeName = config.nodeName
                c.leaderElect = false
            })
        }
        return (controlPlane, node, executables)
    }

    /// The proxy and the cluster DNS of a real node (not with simulated nodes: their pods have no
    /// network), unless disabled (`--disable-kube-proxy`, `--disable coredns`).
    private func networkServices(_ prepared: Prepared, make: (ComponentEntry, (inout ComponentConfig) -> Void) throws -> ComponentSpec) throws -> [ComponentSpec] {
        let disabled = Set(config.disabledComponents)
        let loopbackOnly = ["127.0.0.1", "::1"].contains(config.bindAddress)
        var specs: [ComponentSpec] = []
        if !disabled.contains(Self.proxy.name) {
            specs.append(try make(Self.proxy) { c in
                c.nodeName = config.nodeName
                c.clusterCIDR = config.clusterCIDR
                c.serviceCIDR = config.serviceCIDR
                // NodePorts answer on the node's addresses (all of them unless the server is
                // bound to loopback, where only 127.0.0.1 answers) and on 127.0.0.1.
                c.nodeIPs = loopbackOnly ? [config.bindAddress] : nil
                c.leaderElect = false
            })
        }
        if !disabled.contains(Self.dns.name), !disabled.contains("coredns"), let clusterDNS = config.clusterDNS {
            specs.append(try make(Self.dns) { c in
                c.nodeName = config.nodeName
                c.clusterCIDR = config.clusterCIDR
                c.serviceCIDR = config.serviceCIDR
                c.clusterDomain = config.clusterDomain
                c.clusterDNS = clusterDNS
                c.upstreamResolvConf = config.resolvConf
                // Tests run servers side by side on free ports; the proxy follows the port the
                // DNS registers in its EndpointSlice.
                c.dnsPort = prepared.removePortFile ? 0 : Self.dnsPort
                c.leaderElect = false
            })
        }
        return specs
    }
}
