import FoundationEssentials
import Glibc

/// Renders and writes kubeconfig files with embedded credentials, as the supervisor hands to each
/// component and as `/etc/swiftlet/swiftlet.yaml` for the administrator.
public enum Kubeconfig {
    /// A kubeconfig (apiVersion v1, kind Config) with one cluster, one user and one context, all
    /// credentials embedded as base64 `*-data` fields so the file is self-contained.
    ///
    /// The cluster and the context are both named `clusterName`; the user entry is named `user`.
    public static func render(
        clusterName: String,
        server: String,
        caPEM: String,
        user: String,
        clientCertPEM: String,
        clientKeyPEM: String
    ) -> String {
        let cluster = quoted(clusterName)
        let userName = quoted(user)
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - name: \(cluster)
              cluster:
                server: \(quoted(server))
                certificate-authority-data: \(base64(caPEM))
            users:
            - name: \(userName)
              user:
                client-certificate-data: \(base64(clientCertPEM))
                client-key-data: \(base64(clientKeyPEM))
            contexts:
            - name: \(cluster)
              context:
                cluster: \(cluster)
                user: \(userName)
            current-context: \(cluster)
            preferences: {}

            """
    }

    /// Renders a kubeconfig and writes it atomically (temporary file in the same directory, then
    /// rename) with exactly `mode`, creating missing parent directories. Readers never see a partial
    /// file and the credentials are never readable with a wider mode, even briefly.
    public static func write(
        to path: String,
        mode: mode_t = 0o600,
        clusterName: String,
        server: String,
        caPEM: String,
        user: String,
        clientCertPEM: String,
        clientKeyPEM: String
    ) throws {
        let text = render(
            clusterName: clusterName, server: server, caPEM: caPEM, user: user,
            clientCertPEM: clientCertPEM, clientKeyPEM: clientKeyPEM)
        try SecureFile.makeDirectories(SecureFile.parentDirectory(of: path), mode: 0o755)
        try SecureFile.write(text, to: path, mode: mode)
    }

    private static func base64(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }

    /// A YAML double-quoted scalar. YAML's double-quoted escapes are a superset of JSON's, so JSON
    /// escaping is always valid; quoting also keeps names like "system:admin" from being misread.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                        + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
