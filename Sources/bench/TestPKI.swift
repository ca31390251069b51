import Foundation

/// Throw-away certificates for one benchmark run, made with the `openssl` CLI: an EC P-256 CA, a
/// serving certificate for 127.0.0.1 and a `system:masters` client certificate.
///
/// The bench deliberately does not link KubePKI's issuing code path into the measurement; the
/// server only needs PEM files, and openssl is on every machine we run on.
struct TestPKI: Sendable {
    let caFile: String
    let serverCertFile: String
    let serverKeyFile: String
    let clientCertFile: String
    let clientKeyFile: String

    /// Writes the CA and both leaf certificates under `directory`.
    static func create(in directory: String) throws -> TestPKI {
        // NIOSSL's file loader rejects keys named `*.key`, so every file ends in `.pem`.
        let pki = TestPKI(caFile: "\(directory)/ca.pem",
                          serverCertFile: "\(directory)/server.pem", serverKeyFile: "\(directory)/server-key.pem",
                          clientCertFile: "\(directory)/admin.pem", clientKeyFile: "\(directory)/admin-key.pem")
        let caKey = "\(directory)/ca-key.pem"
        try openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", caKey])
        try openssl(["req", "-x509", "-new", "-key", caKey, "-sha256", "-days", "2", "-subj", "/CN=swiftlet-bench-ca",
                     "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                     "-out", pki.caFile])
        try issue(pki: pki, caKey: caKey, key: pki.serverKeyFile, cert: pki.serverCertFile, subject: "/CN=swiftlet-apiserver",
                  extensions: "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                      + "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
                  directory: directory)
        try issue(pki: pki, caKey: caKey, key: pki.clientKeyFile, cert: pki.clientCertFile,
                  subject: "/O=system:masters/CN=system:admin",
                  extensions: "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                      + "extendedKeyUsage=clientAuth\n",
                  directory: directory)
        return pki
    }

    private static func issue(pki: TestPKI, caKey: String, key: String, cert: String, subject: String,
                              extensions: String, directory: String) throws {
        let csr = cert + ".csr"
        let ext = cert + ".ext"
        try extensions.write(toFile: ext, atomically: true, encoding: .utf8)
        try openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key + ".sec1"])
        // PKCS#8 is the form every TLS stack accepts.
        try openssl(["pkcs8", "-topk8", "-nocrypt", "-in", key + ".sec1", "-out", key])
        try openssl(["req", "-new", "-key", key, "-subj", subject, "-out", csr])
        try openssl(["x509", "-req", "-in", csr, "-CA", pki.caFile, "-CAkey", caKey, "-CAcreateserial",
                     "-days", "2", "-sha256", "-extfile", ext, "-out", cert])
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("openssl \(arguments.first ?? "") failed: \(String(decoding: output, as: UTF8.self))")
        }
    }
}

/// An error with a message for the person running the benchmark.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
