import Crypto
import FoundationEssentials
import Glibc
import X509

extension ClusterPKI {
    /// Creates whatever is missing in `directory` and returns the complete set, as `swiftlet server`
    /// does at every start.
    ///
    /// - CAs are created only when both their files are absent. A CA whose key is unreadable or
    ///   corrupt, or whose certificate or key is missing while the other is present, is an error naming
    ///   the file: replacing a CA would silently lock out every kubeconfig and agent that trusts it.
    /// - The service-account key is treated like a CA key (replacing it invalidates every token).
    /// - A leaf certificate is reused byte for byte while it is signed by its CA, matches its key, still
    ///   has the expected subject (and, for the serving certificate, covers every requested SAN) and
    ///   does not expire within `options.renewBefore`; otherwise it is re-issued, keeping a still-usable
    ///   key.
    /// - Keys are written 0600 and certificates 0644, each atomically.
    ///
    /// - Parameter now: the current time; tests pass other instants to exercise expiry.
    public static func ensure(directory: String, options: PKIOptions, now: Date = Date()) throws -> ClusterPKI {
        // Compute SANs first so a bad option fails before anything is written.
        let sans = try options.servingSANs()
        let kubeletSANs = try options.kubeletServingSANs()
        try SecureFile.makeDirectories(directory, mode: 0o700)
        var run = EnsureRun(directory: directory, options: options, now: now)

        let serverCA = try run.ensureCA(FileName.serverCA, commonName: "swiftlet-server-ca")
        let clientCA = try run.ensureCA(FileName.clientCA, commonName: "swiftlet-client-ca")
        let requestHeaderCA = try run.ensureCA(FileName.requestHeaderCA, commonName: "swiftlet-request-header-ca")
        let serviceAccountKey = try run.ensureServiceAccountKey()

        let serving = try run.ensureLeaf(FileName.serving, ca: serverCA.authority) { certificate in
            try Self.covers(certificate, dnsNames: sans.dnsNames, ipAddresses: sans.ipAddresses)
                && Self.hasUsage(certificate, .serverAuth)
        } issue: { key in
            try serverCA.authority.issueServerCertificate(
                commonName: servingCommonName, dnsNames: sans.dnsNames, ipAddresses: sans.ipAddresses, key: key,
                now: now, validity: options.leafValidity)
        }

        let servingKubelet = try run.ensureLeaf(FileName.servingKubelet, ca: serverCA.authority) { certificate in
            try Self.covers(certificate, dnsNames: kubeletSANs.dnsNames, ipAddresses: kubeletSANs.ipAddresses)
                && Self.hasUsage(certificate, .serverAuth)
        } issue: { key in
            try serverCA.authority.issueServerCertificate(
                commonName: options.nodeName.lowercased(), dnsNames: kubeletSANs.dnsNames,
                ipAddresses: kubeletSANs.ipAddresses, key: key, now: now, validity: options.leafValidity)
        }

        var clients: [ClientIdentity: CertificateFiles] = [:]
        for identity in ClientIdentity.allCases {
            let user = identity.user(nodeName: options.nodeName)
            clients[identity] = try run.ensureLeaf(identity.fileStem, ca: clientCA.authority) { certificate in
                let names = SubjectNames(certificate.subject)
                return names.commonName == user && names.organizations == identity.groups
                    && Self.hasUsage(certificate, .clientAuth)
            } issue: { key in
                try clientCA.authority.issueClientCertificate(
                    user: user, groups: identity.groups, key: key, now: now, validity: options.leafValidity)
            }
        }

        return ClusterPKI(
            directory: directory, serverCA: serverCA.files, clientCA: clientCA.files,
            requestHeaderCA: requestHeaderCA.files, serviceAccountKey: serviceAccountKey, serving: serving,
            servingKubelet: servingKubelet, clients: clients, written: run.written)
    }

    /// Whether `certificate`'s SANs include every requested DNS name (case-insensitively) and IP.
    static func covers(_ certificate: Certificate, dnsNames: [String], ipAddresses: [IPAddress]) throws -> Bool {
        var presentDNS = Set<String>()
        var presentIPs = Set<IPAddress>()
        for name in try certificate.extensions.subjectAlternativeNames ?? SubjectAlternativeNames() {
            switch name {
            case .dnsName(let value): presentDNS.insert(value.lowercased())
            case .ipAddress(let octets): if let ip = IPAddress(bytes: Array(octets.bytes)) { presentIPs.insert(ip) }
            default: continue
            }
        }
        return dnsNames.allSatisfy { presentDNS.contains($0.lowercased()) }
            && ipAddresses.allSatisfy { presentIPs.contains($0) }
    }

    static func hasUsage(_ certificate: Certificate, _ usage: ExtendedKeyUsage.Usage) -> Bool {
        guard let usages = try? certificate.extensions.extendedKeyUsage else { return false }
        return usages.contains(usage)
    }
}

/// The state of one `ensure` call: where to write, the clock, and what was written.
private struct EnsureRun {
    let directory: String
    let options: PKIOptions
    let now: Date
    var written: [String] = []

    init(directory: String, options: PKIOptions, now: Date) {
        self.directory = directory
        self.options = options
        self.now = now
    }

    func path(_ name: String) -> String { "\(directory)/\(name)" }

    mutating func ensureCA(_ stem: String, commonName: String) throws
        -> (authority: CertificateAuthority, files: CertificateFiles)
    {
        let certificatePath = path("\(stem).crt")
        let keyPath = path("\(stem).key")
        let authority: CertificateAuthority
        switch (SecureFile.exists(certificatePath), SecureFile.exists(keyPath)) {
        case (false, false):
            // A timestamp in the CN gives every generated CA a distinct issuer name, so a client that
            // still holds an old CA of the same cluster name cannot mistake one for the other.
            let name = "\(commonName)@\(Int(now.timeIntervalSince1970))"
            authority = try CertificateAuthority.create(commonName: name, now: now)
            // Key first: a crash between the two writes leaves "key without certificate", which is
            // reported, rather than a certificate whose key is lost.
            try write(authority.privateKeyPEM, to: keyPath, mode: 0o600)
            try write(authority.certificatePEM, to: certificatePath, mode: 0o644)
        case (true, false):
            throw PKIError.inconsistentCA(
                "CA certificate \(certificatePath) exists but its key \(keyPath) is missing; "
                    + "restore the key or remove both files to create a new CA")
        case (false, true):
            throw PKIError.inconsistentCA(
                "CA key \(keyPath) exists but its certificate \(certificatePath) is missing; "
                    + "restore the certificate or remove both files to create a new CA")
        case (true, true):
            authority = try CertificateAuthority.load(certificatePath: certificatePath, keyPath: keyPath)
            try SecureFile.restrictMode(keyPath, to: 0o600)
        }
        let files = CertificateFiles(
            certificatePath: certificatePath, certificatePEM: authority.certificatePEM,
            keyPath: keyPath, keyPEM: authority.privateKeyPEM)
        return (authority, files)
    }

    mutating func ensureServiceAccountKey() throws -> ServiceAccountKeyFiles {
        let keyPath = path(ClusterPKI.FileName.serviceAccountKey)
        let publicPath = path(ClusterPKI.FileName.serviceAccountPublicKey)
        let key: P256.Signing.PrivateKey
        let keyPEM: String
        if let existing = try readKeyFile(keyPath) {
            do {
                key = try P256.Signing.PrivateKey(pemRepresentation: existing)
            } catch {
                throw PKIError.corruptKey(path: keyPath, error)
            }
            keyPEM = existing
            try SecureFile.restrictMode(keyPath, to: 0o600)
        } else {
            key = P256.Signing.PrivateKey()
            keyPEM = PEMCoding.pem(of: key)
            try write(keyPEM, to: keyPath, mode: 0o600)
        }
        // The public half is derived, so it is rewritten whenever it does not match the key.
        let publicPEM = key.publicKey.pemRepresentation + "\n"
        if try SecureFile.readTextIfPresent(publicPath) != publicPEM {
            try write(publicPEM, to: publicPath, mode: 0o644)
        }
        return ServiceAccountKeyFiles(
            privateKeyPath: keyPath, privateKeyPEM: keyPEM, publicKeyPath: publicPath, publicKeyPEM: publicPEM)
    }

    /// Reuses `<stem>.crt/.key` when still good (see `ClusterPKI.ensure`), else issues a new one.
    mutating func ensureLeaf(
        _ stem: String,
        ca: CertificateAuthority,
        matches: (Certificate) throws -> Bool,
        issue: (P256.Signing.PrivateKey) throws -> IssuedCertificate
    ) throws -> CertificateFiles {
        let certificatePath = path("\(stem).crt")
        let keyPath = path("\(stem).key")
        let keyPEM = try readKeyFile(keyPath)
        // A leaf key is derived material: an unparsable one is replaced, unlike a CA key.
        let key = keyPEM.flatMap { try? P256.Signing.PrivateKey(pemRepresentation: $0) }
        if let keyPEM, let key, let certificatePEM = try SecureFile.readTextIfPresent(certificatePath),
           let certificate = try? PEMCoding.certificate(fromPEM: certificatePEM, what: certificatePath),
           try isReusable(certificate, key: key, ca: ca, matches: matches)
        {
            try SecureFile.restrictMode(keyPath, to: 0o600)
            return CertificateFiles(
                certificatePath: certificatePath, certificatePEM: certificatePEM, keyPath: keyPath, keyPEM: keyPEM)
        }
        let issued = try issue(key ?? P256.Signing.PrivateKey())
        let newKeyPEM: String
        if let keyPEM, key != nil {
            newKeyPEM = keyPEM
            try SecureFile.restrictMode(keyPath, to: 0o600)
        } else {
            newKeyPEM = issued.privateKeyPEM
            try write(newKeyPEM, to: keyPath, mode: 0o600)
        }
        try write(issued.certificatePEM, to: certificatePath, mode: 0o644)
        return CertificateFiles(
            certificatePath: certificatePath, certificatePEM: issued.certificatePEM, keyPath: keyPath,
            keyPEM: newKeyPEM)
    }

    private func isReusable(
        _ certificate: Certificate, key: P256.Signing.PrivateKey, ca: CertificateAuthority,
        matches: (Certificate) throws -> Bool
    ) throws -> Bool {
        let renewAt = certificate.notValidAfter - options.renewBefore.timeInterval
        return try ca.hasIssued(certificate)
            && PEMCoding.key(key, matches: certificate)
            && now < renewAt
            && certificate.notValidBefore <= now + CertificateValidity.clockSkewAllowance.timeInterval
            && matches(certificate)
    }

    /// Reads a key file; a file that exists but cannot be read is reported as a corrupt key.
    private func readKeyFile(_ path: String) throws -> String? {
        do {
            return try SecureFile.readTextIfPresent(path)
        } catch {
            throw PKIError.corruptKey(path: path, error)
        }
    }

    private mutating func write(_ text: String, to path: String, mode: mode_t) throws {
        try SecureFile.write(text, to: path, mode: mode)
        written.append(path)
    }
}
