import Crypto
import Foundation
import Testing
import X509
@testable import KubePKI

@Suite struct ClusterPKITests {
    @Test func fromScratchCreatesEveryFileWithTheRightMode() throws {
        try withTemporaryDirectory { root in
            let dir = "\(root)/server/tls"
            let pki = try ClusterPKI.ensure(directory: dir, options: testOptions())
            for (name, mode) in expectedFiles {
                #expect(permissions("\(dir)/\(name)") == mode, "\(name)")
            }
            // Nothing else (no leftover temporary files).
            let present = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
            #expect(present == expectedFiles.map(\.name).sorted())
            #expect(permissions(dir) == 0o700)
            #expect(pki.written.count == expectedFiles.count)
            // Returned PEMs are what is on disk.
            #expect(try contents(pki.serverCA.certificatePath) == Data(pki.serverCA.certificatePEM.utf8))
            #expect(try contents(pki.serving.keyPath) == Data(pki.serving.keyPEM.utf8))
            #expect(pki.serviceAccountKey.publicKeyPath == "\(dir)/service.pub")
            #expect(pki.client(.admin).certificatePath == "\(dir)/client-admin.crt")
        }
    }

    @Test func modesAreExactWhateverTheUmask() throws {
        try withTemporaryDirectory { root in
            // A strict umask would turn certificates into 0600 if modes were left to open(2); ensure
            // sets them exactly. (Only ever stricter than the default, so parallel tests are unaffected.)
            let old = umask(0o077)
            defer { umask(old) }
            _ = try ClusterPKI.ensure(directory: root, options: testOptions())
            for (name, mode) in expectedFiles {
                #expect(permissions("\(root)/\(name)") == mode, "\(name)")
            }
        }
    }

    @Test func certificatesChainToTheirCAs() throws {
        try withTemporaryDirectory { dir in
            let pki = try ClusterPKI.ensure(directory: dir, options: testOptions())
            let serverCA = try CertificateAuthority.load(
                certificatePath: pki.serverCA.certificatePath, keyPath: pki.serverCA.keyPath)
            let clientCA = try CertificateAuthority.load(
                certificatePath: pki.clientCA.certificatePath, keyPath: pki.clientCA.keyPath)
            let serving = try Certificate(pemEncoded: pki.serving.certificatePEM)
            #expect(serverCA.certificate.publicKey.isValidSignature(serving.signature, for: serving))
            #expect(!clientCA.hasIssued(serving))
            for identity in ClientIdentity.allCases {
                let leaf = try Certificate(pemEncoded: pki.client(identity).certificatePEM)
                #expect(clientCA.certificate.publicKey.isValidSignature(leaf.signature, for: leaf), "\(identity)")
                #expect(!serverCA.hasIssued(leaf))
            }
            // The three CAs are distinct.
            let caPEMs = Set([pki.serverCA, pki.clientCA, pki.requestHeaderCA].map(\.certificatePEM))
            #expect(caPEMs.count == 3)
        }
    }

    @Test func servingCertificateCarriesAllSANs() throws {
        try withTemporaryDirectory { dir in
            let options = PKIOptions(
                nodeName: "Node-A", nodeIPs: ["192.168.1.20", "fd00:1::20"],
                tlsSANs: ["api.example.com", "192.0.2.10", "2001:db8::10"], clusterDomain: "corp.local")
            let pki = try ClusterPKI.ensure(directory: dir, options: options)
            let info = try certificateInfo(pem: pki.serving.certificatePEM)
            #expect(info.commonName == "kube-apiserver")
            #expect(Set(info.dnsNames) == [
                "node-a", "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                "kubernetes.default.svc.corp.local", "api.example.com",
            ])
            #expect(Set(info.ipAddresses) == [
                "127.0.0.1", "::1", "10.43.0.1", "192.168.1.20", "fd00:1::20", "192.0.2.10", "2001:db8::10",
            ])
        }
    }

    @Test func discoveredNodeAddressesAreUsedWhenNoneAreGiven() throws {
        let options = PKIOptions(nodeName: "n")
        let sans = try options.servingSANs(discoverAddresses: { [try! IPAddress("198.51.100.7")] })
        #expect(sans.ipAddresses.contains(try IPAddress("198.51.100.7")))
        // The real discovery never reports loopback (it is added explicitly instead).
        #expect(!NetworkInterfaces.hostAddresses().contains(try IPAddress("127.0.0.1")))
    }

    @Test func kubeletServingCertificateCoversTheNodeAndIsSignedByTheServerCA() throws {
        try withTemporaryDirectory { dir in
            let options = PKIOptions(nodeName: "Worker-7", nodeIPs: ["192.0.2.10"])
            let pki = try ClusterPKI.ensure(directory: dir, options: options)
            #expect(pki.servingKubelet.certificatePath == "\(dir)/serving-kubelet.crt")
            let info = try certificateInfo(pem: pki.servingKubelet.certificatePEM)
            #expect(Set(info.dnsNames) == ["worker-7", "localhost"])
            // Only the node's names: not the apiserver's in-cluster ones.
            #expect(!info.dnsNames.contains("kubernetes"))
            let verify = try run("/usr/bin/openssl", [
                "verify", "-CAfile", pki.serverCA.certificatePath, "-purpose", "sslserver", pki.servingKubelet.certificatePath,
            ])
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
            let ips = try options.kubeletServingSANs().ipAddresses
            #expect(ips == [try IPAddress("127.0.0.1"), try IPAddress("::1"), try IPAddress("192.0.2.10")])
            // A new node IP re-issues it on the next start.
            let moved = try ClusterPKI.ensure(directory: dir, options: PKIOptions(nodeName: "worker-7", nodeIPs: ["192.0.2.11"]))
            #expect(moved.written.contains(pki.servingKubelet.certificatePath))
        }
    }

    @Test func clientCertificatesHaveTheComponentIdentities() throws {
        try withTemporaryDirectory { dir in
            let pki = try ClusterPKI.ensure(directory: dir, options: testOptions(nodeName: "worker-7"))
            let expected: [(ClientIdentity, String, String, [String])] = [
                (.admin, "client-admin", "system:admin", ["system:masters"]),
                (.controllerManager, "client-controller", "system:kube-controller-manager", []),
                (.scheduler, "client-scheduler", "system:kube-scheduler", []),
                (.kubeProxy, "client-kube-proxy", "system:kube-proxy", []),
                (.kubelet, "client-kubelet", "system:node:worker-7", ["system:nodes"]),
                (.supervisor, "client-supervisor", "system:swiftlet-supervisor", ["system:masters"]),
                (.apiserverKubeletClient, "client-kube-apiserver", "system:kube-apiserver", ["system:masters"]),
            ]
            #expect(expected.count == ClientIdentity.allCases.count)
            for (identity, stem, user, groups) in expected {
                let files = pki.client(identity)
                #expect(files.certificatePath == "\(dir)/\(stem).crt")
                let certificate = try Certificate(pemEncoded: files.certificatePEM)
                let peer = try PeerIdentity.fromCertificate(derBytes: try PEMCoding.der(of: certificate))
                #expect(peer.user == user)
                #expect(peer.groups == groups)
                #expect(ClusterPKI.hasUsage(certificate, .clientAuth))
            }
        }
    }

    @Test func secondEnsureLeavesFilesByteIdentical() throws {
        try withTemporaryDirectory { dir in
            let now = Date()
            _ = try ClusterPKI.ensure(directory: dir, options: testOptions(), now: now)
            let before = try snapshot(dir)
            let again = try ClusterPKI.ensure(directory: dir, options: testOptions(), now: now + 86_400)
            #expect(again.written.isEmpty)
            #expect(try snapshot(dir) == before)
        }
    }

    @Test func nearExpiryLeavesAreRenewedFromTheSameCA() throws {
        try withTemporaryDirectory { dir in
            let now = Date()
            // Issued 300 days ago with a one-year lifetime: 65 days left, inside the 90-day window.
            let old = try ClusterPKI.ensure(directory: dir, options: testOptions(), now: now - 300 * 86_400)
            let before = try snapshot(dir)
            let renewed = try ClusterPKI.ensure(directory: dir, options: testOptions(), now: now)
            let after = try snapshot(dir)
            for name in ["server-ca.crt", "server-ca.key", "client-ca.crt", "client-ca.key",
                         "request-header-ca.crt", "request-header-ca.key", "service.key", "service.pub"] {
                #expect(after[name] == before[name], "\(name) must not change")
            }
            #expect(after["serving-kube-apiserver.crt"] != before["serving-kube-apiserver.crt"])
            #expect(after["client-admin.crt"] != before["client-admin.crt"])
            // Keys are kept across renewal.
            #expect(after["client-admin.key"] == before["client-admin.key"])
            let info = try certificateInfo(pem: renewed.client(.admin).certificatePEM)
            #expect(info.notAfter.timeIntervalSince(now) > 364 * 86_400)
            let ca = try CertificateAuthority(
                certificatePEM: old.clientCA.certificatePEM, privateKeyPEM: old.clientCA.keyPEM)
            #expect(ca.hasIssued(try Certificate(pemEncoded: renewed.client(.admin).certificatePEM)))
            #expect(Set(renewed.written.map { ($0 as NSString).lastPathComponent }).isSuperset(of: [
                "serving-kube-apiserver.crt", "client-admin.crt", "client-kubelet.crt",
            ]))
        }
    }

    @Test func leafWithPlentyOfTimeLeftIsKept() throws {
        try withTemporaryDirectory { dir in
            let now = Date()
            _ = try ClusterPKI.ensure(directory: dir, options: testOptions(), now: now - 200 * 86_400)
            let before = try snapshot(dir)
            let second = try ClusterPKI.ensure(directory: dir, options: testOptions(), now: now)
            #expect(second.written.isEmpty)
            #expect(try snapshot(dir) == before)
        }
    }

    @Test func changedSANsOrNodeNameReissueOnlyWhatIsAffected() throws {
        try withTemporaryDirectory { dir in
            _ = try ClusterPKI.ensure(directory: dir, options: testOptions())
            let before = try snapshot(dir)
            let pki = try ClusterPKI.ensure(
                directory: dir, options: testOptions(tlsSANs: ["api.example.com", "192.0.2.10", "new.example.com"]))
            let after = try snapshot(dir)
            #expect(after["serving-kube-apiserver.crt"] != before["serving-kube-apiserver.crt"])
            #expect(after["client-admin.crt"] == before["client-admin.crt"])
            #expect(try certificateInfo(pem: pki.serving.certificatePEM).dnsNames.contains("new.example.com"))
            // A subset of the SANs is still covered: nothing is re-issued.
            let subset = try ClusterPKI.ensure(directory: dir, options: testOptions(tlsSANs: []))
            #expect(subset.written.isEmpty)
            // A new node name changes the kubelet identity and both serving certificates.
            let renamed = try ClusterPKI.ensure(directory: dir, options: testOptions(nodeName: "node-b"))
            let names = Set(renamed.written.map { ($0 as NSString).lastPathComponent })
            #expect(names == ["serving-kube-apiserver.crt", "serving-kubelet.crt", "client-kubelet.crt"])
            let kubelet = try Certificate(pemEncoded: renamed.client(.kubelet).certificatePEM)
            #expect(try PeerIdentity.fromCertificate(derBytes: PEMCoding.der(of: kubelet)).user == "system:node:node-b")
        }
    }

    @Test func damagedLeafFilesAreReplaced() throws {
        try withTemporaryDirectory { dir in
            _ = try ClusterPKI.ensure(directory: dir, options: testOptions())
            try writeText("garbage", to: "\(dir)/client-scheduler.key")
            try FileManager.default.removeItem(atPath: "\(dir)/client-kube-proxy.crt")
            try writeText("garbage", to: "\(dir)/serving-kube-apiserver.crt")
            let pki = try ClusterPKI.ensure(directory: dir, options: testOptions())
            let names = Set(pki.written.map { ($0 as NSString).lastPathComponent })
            #expect(names == [
                "client-scheduler.key", "client-scheduler.crt", "client-kube-proxy.crt", "serving-kube-apiserver.crt",
            ])
            #expect(permissions("\(dir)/client-scheduler.key") == 0o600)
            _ = try IssuedCertificate(
                certificatePEM: pki.client(.scheduler).certificatePEM, privateKeyPEM: pki.client(.scheduler).keyPEM)
        }
    }

    @Test func loosenedKeyModeIsTightened() throws {
        try withTemporaryDirectory { dir in
            _ = try ClusterPKI.ensure(directory: dir, options: testOptions())
            chmod("\(dir)/client-ca.key", 0o644)
            chmod("\(dir)/client-admin.key", 0o640)
            _ = try ClusterPKI.ensure(directory: dir, options: testOptions())
            #expect(permissions("\(dir)/client-ca.key") == 0o600)
            #expect(permissions("\(dir)/client-admin.key") == 0o600)
        }
    }

    @Test(arguments: ["server-ca.key", "client-ca.key", "request-header-ca.key", "service.key"])
    func corruptCAKeyIsAnErrorNamingTheFile(name: String) throws {
        try withTemporaryDirectory { dir in
            _ = try ClusterPKI.ensure(directory: dir, options: testOptions())
            let path = "\(dir)/\(name)"
            try writeText("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n", to: path)
            let before = try snapshot(dir)
            expectPKIError(.corruptKey, mentioning: path) {
                try ClusterPKI.ensure(directory: dir, options: testOptions())
            }
            // Nothing was replaced.
            #expect(try snapshot(dir) == before)
        }
    }

    @Test func unreadableCAKeyIsAnErrorNamingTheFile() throws {
        try withTemporaryDirectory { dir in
            _ = try ClusterPKI.ensure(directory: dir, options: testOptions())
            let path = "\(dir)/server-ca.key"
            // A directory in place of the key cannot be read, even by root.
            try FileManager.default.removeItem(atPath: path)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            expectPKIError(.corruptKey, mentioning: path) {
                try ClusterPKI.ensure(directory: dir, options: testOptions())
            }
        }
    }

    @Test(arguments: ["server-ca.key", "server-ca.crt"])
    func halfACAIsAnError(removed: String) throws {
        try withTemporaryDirectory { dir in
            _ = try ClusterPKI.ensure(directory: dir, options: testOptions())
            try FileManager.default.removeItem(atPath: "\(dir)/\(removed)")
            expectPKIError(.inconsistentCA, mentioning: "\(dir)/\(removed)") {
                try ClusterPKI.ensure(directory: dir, options: testOptions())
            }
        }
    }

    @Test func newCAReissuesItsLeaves() throws {
        try withTemporaryDirectory { dir in
            _ = try ClusterPKI.ensure(directory: dir, options: testOptions())
            let before = try snapshot(dir)
            // The operator deliberately removes the client CA: a new one is made and all client
            // certificates are re-issued from it; the server side is untouched.
            try FileManager.default.removeItem(atPath: "\(dir)/client-ca.crt")
            try FileManager.default.removeItem(atPath: "\(dir)/client-ca.key")
            let pki = try ClusterPKI.ensure(directory: dir, options: testOptions())
            let after = try snapshot(dir)
            #expect(after["server-ca.crt"] == before["server-ca.crt"])
            #expect(after["serving-kube-apiserver.crt"] == before["serving-kube-apiserver.crt"])
            let clientCA = try CertificateAuthority(
                certificatePEM: pki.clientCA.certificatePEM, privateKeyPEM: pki.clientCA.keyPEM)
            for identity in ClientIdentity.allCases {
                #expect(after["\(identity.fileStem).crt"] != before["\(identity.fileStem).crt"])
                #expect(clientCA.hasIssued(try Certificate(pemEncoded: pki.client(identity).certificatePEM)))
            }
        }
    }

    @Test(arguments: ["10.43.0.0/33", "10.43.0.0", "bogus/16", "10.43.0.0/32", ""])
    func badServiceCIDRIsAnErrorAndWritesNothing(cidr: String) throws {
        try withTemporaryDirectory { root in
            let dir = "\(root)/tls"
            expectPKIError(.invalidCIDR) {
                try ClusterPKI.ensure(directory: dir, options: testOptions(serviceCIDR: cidr))
            }
            #expect(!FileManager.default.fileExists(atPath: dir))
        }
    }

    @Test(arguments: [
        PKIOptions(nodeName: "", nodeIPs: ["10.0.0.1"]),
        PKIOptions(nodeName: "bad name", nodeIPs: ["10.0.0.1"]),
        PKIOptions(nodeName: "n", nodeIPs: ["10.0.0.1"], tlsSANs: ["has space.example"]),
        PKIOptions(nodeName: "n", nodeIPs: ["10.0.0.1"], clusterDomain: "..local"),
    ])
    func badNamesAreErrors(options: PKIOptions) throws {
        try withTemporaryDirectory { dir in
            expectPKIError(.invalidName) { try ClusterPKI.ensure(directory: dir, options: options) }
        }
    }

    @Test func badNodeIPIsAnError() throws {
        try withTemporaryDirectory { dir in
            let options = PKIOptions(nodeName: "n", nodeIPs: ["10.0.0.300"])
            expectPKIError(.invalidIPAddress, mentioning: "10.0.0.300") {
                try ClusterPKI.ensure(directory: dir, options: options)
            }
        }
    }

    @Test func opensslVerifiesTheChains() throws {
        try withTemporaryDirectory { dir in
            let pki = try ClusterPKI.ensure(directory: dir, options: testOptions())
            let serving = try run("/usr/bin/openssl", [
                "verify", "-CAfile", pki.serverCA.certificatePath, "-purpose", "sslserver", pki.serving.certificatePath,
            ])
            #expect(serving.status == 0, "\(serving.stdout)\(serving.stderr)")
            for identity in ClientIdentity.allCases {
                let client = try run("/usr/bin/openssl", [
                    "verify", "-CAfile", pki.clientCA.certificatePath, "-purpose", "sslclient",
                    pki.client(identity).certificatePath,
                ])
                #expect(client.status == 0, "\(identity): \(client.stdout)\(client.stderr)")
            }
            // And the negative case, so the check above can fail: wrong CA.
            let wrong = try run("/usr/bin/openssl", [
                "verify", "-CAfile", pki.serverCA.certificatePath, pki.client(.admin).certificatePath,
            ])
            #expect(wrong.status != 0)
            // The keys are standard PEM that openssl reads, and service.pub matches service.key.
            let pub = try run("/usr/bin/openssl", ["pkey", "-in", pki.serviceAccountKey.privateKeyPath, "-pubout"])
            #expect(pub.status == 0)
            #expect(pub.stdout == pki.serviceAccountKey.publicKeyPEM)
        }
    }

    /// File name → contents for every file in `dir`.
    private func snapshot(_ dir: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            result[name] = try contents("\(dir)/\(name)")
        }
        return result
    }
}
