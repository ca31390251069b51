#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import KubePKI
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
    func prepare() throws -> Prepared {
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
            Self.executableName, selfExecutable: ExecutableLocator.currentExecutable())
        let files = ControlPlaneFiles(config: config, pki: pki)
        let apiserverConfig = files.apiserverConfig(advertiseAddress: advertise)
        let configPath = config.componentConfigDirectory + "/apiserver.json"
        try apiserverConfig.write(to: configPath)
        if let portFile = apiserverConfig.portFile {
            // A port file left by an earlier run would point at a port nobody listens on.
            unlink(portFile)
        } else {
            try files.writeKubeconfigs(port: config.httpsListenPort)
        }
        logger.debug("apiserver config written", metadata: ["path": "\(configPath)", "executable": "\(executable)"])
        return Prepared(pki: pki, executable: executable, apiserverConfigPath: configPath,
                        removePortFile: apiserverConfig.portFile != nil)
    }

    /// Learns the port (from the port file when it was 0), writes kubeconfigs that need it, then
    /// polls `/readyz`; reports `.ready` or `.startupFailed` (nothing when cancelled).
    func startUp(_ prepared: Prepared, sink: AsyncStream<Event>.Continuation) async {
        let clock = ContinuousClock()
        let deadline = clock.now + Self.readinessTimeout
        var port = config.httpsListenPort
        if prepared.removePortFile {
            let portFile = config.portFile(Self.component)
            while true {
                if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
                   let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), value > 0 {
                    port = value
                    break
                }
                guard clock.now < deadline else {
                    sink.yield(.startupFailed("\(Self.executableName) did not report its port in \(portFile) within \(Self.readinessTimeout)"))
                    return
                }
                guard (try? await Task.sleep(for: .milliseconds(20))) != nil else { return }
            }
            do {
                try ControlPlaneFiles(config: config, pki: prepared.pki).writeKubeconfigs(port: port)
            } catch {
                sink.yield(.startupFailed("cannot write kubeconfigs: \(error)"))
                return
            }
        }

        let probe: ReadinessProbe
        do {
            let client = prepared.pki.client(.supervisor)
            probe = try ReadinessProbe(caPEM: prepared.pki.serverCA.certificatePEM,
                                       clientCertificatePEM: client.certificatePEM, clientKeyPEM: client.keyPEM)
        } catch {
            sink.yield(.startupFailed("cannot set up the readiness probe: \(error)"))
            return
        }
        var lastProblem = "no answer yet"
        var attempt = 0
        while !Task.isCancelled {
            do {
                let status = try await probe.status(host: "127.0.0.1", port: port, path: "/readyz", timeout: .seconds(2))
                if status == 200 {
                    await probe.shutdown()
                    sink.yield(.ready(port: port))
                    return
                }
                lastProblem = "/readyz answered \(status)"
            } catch {
                lastProblem = "\(error)"
            }
            logger.trace("apiserver not ready: \(lastProblem)")
            guard clock.now < deadline else { break }
            attempt += 1
            // Fast at first so a fresh start is ready in well under a second, gentler later.
            let pause: Duration = attempt < 100 ? .milliseconds(20) : attempt < 200 ? .milliseconds(100) : .milliseconds(500)
            guard (try? await Task.sleep(for: pause)) != nil else { break }
        }
        await probe.shutdown()
        if !Task.isCancelled {
            sink.yield(.startupFailed("\(Self.executableName) not ready within \(Self.readinessTimeout): \(lastProblem)"))
        }
    }
}
