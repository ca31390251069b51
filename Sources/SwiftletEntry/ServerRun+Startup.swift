#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import KubePKI
import Supervision
import SwiftletCore

extension ServerRun {
    /// What `prepare` leaves for the start-up phase.
    struct Prepared: Sendable {
        let pki: ClusterPKI
        let executable: String
        let apiserverConfigPath: String
        /// True when the apiserver reports its port through the port file (port 0).
        let removePortFile: Bool
    }

    /// Directories, TLS material, the apiserver config and (for a fixed port) the kubeconfigs.
    func prepare(reloading: Bool = false) throws -> Prepared {
        for directory in [config.dataDir, config.serverDirectory, config.credentialDirectory,
                          config.componentConfigDirectory, config.serverDirectory + "/db", config.runDir] {
            try makeDirectory(directory, mode: 0o700)
        }
        let advertise = ControlPlaneFiles.advertiseAddress(config: config, hostAddresses: NetworkInterfaces.hostAddresses)
        var sans = config.tlsSANs
        if let explicit = config.advertiseAddress { sans.append(explicit) }
        let options = PKIOptions(
            nodeName: config.nodeName, tlsSANs: sans, serviceCIDR: config.serviceCIDR,
            clusterDomain: config.clusterDomain)
        let pki = try ClusterPKI.ensure(directory: config.tlsDirectory, options: options)
        if !pki.written.isEmpty {
            logger.info("wrote \(pki.written.count) TLS files in \(config.tlsDirectory)")
        }

        let executable = try ExecutableLocator.locate(
            Self.apiserverExecutable, selfExecutable: ExecutableLocator.currentExecutable())
        let files = ControlPlaneFiles(config: config, pki: pki)
        let apiserverConfig = files.apiserverConfig(advertiseAddress: advertise)
        let configPath = config.componentConfigDirectory + "/apiserver.json"
        try apiserverConfig.write(to: configPath)
        if let portFile = apiserverConfig.portFile {
            // A port file left by an earlier run would point at a port nobody listens on. (On a
            // reload the apiserver runs: its port file and the kubeconfigs naming its port stay.)
            if !reloading { unlink(portFile) }
        } else {
            try files.writeKubeconfigs(port: config.httpsListenPort)
        }
        logger.debug("apiserver config written", metadata: ["path": "\(configPath)", "executable": "\(executable)"])
        return Prepared(pki: pki, executable: executable, apiserverConfigPath: configPath,
                        removePortFile: apiserverConfig.portFile != nil)
    }
}
