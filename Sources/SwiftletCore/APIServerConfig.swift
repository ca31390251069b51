import FoundationEssentials

/// The typed configuration file `swiftlet server` writes for `swiftlet-apiserver`.
public struct APIServerConfig: JSONConfigFile, Sendable, Equatable {
    public var bindAddress: String = "0.0.0.0"
    /// 0 picks a free port; the chosen one is written to `portFile` when set.
    public var securePort: Int = 6443
    /// Address clients are told to use (discovery `serverAddressByClientCIDRs`).
    public var advertiseAddress: String = "127.0.0.1"
    public var tlsCertFile: String
    public var tlsKeyFile: String
    public var clientCAFile: String
    /// Static bearer tokens, CSV lines `token,user,uid,"group1,group2"` as kube-apiserver's `--token-auth-file`.
    public var tokenAuthFile: String?
    /// SQLite database path.
    public var databasePath: String
    public var serviceCIDR: String = "10.43.0.0/16"
    public var clusterCIDR: String = "10.42.0.0/16"
    public var serviceNodePortRange: String = "30000-32767"
    public var maxRequestsInflight: Int = 400
    public var maxMutatingRequestsInflight: Int = 200
    /// History the datastore keeps for watches (the larger of both bounds wins).
    public var compactionRetainSeconds: Int = 300
    public var compactionRetainRevisions: Int = 10_000
    public var compactionIntervalSeconds: Int = 60
    /// When set, the bound port is written here once the server listens (tests use port 0).
    public var portFile: String?
    /// `error`, `warning`, `info`, `debug`, `trace`.
    public var logLevel: String = "warning"
    public var eventLoopThreads: Int?
    /// Client certificate and key the apiserver presents to kubelets (logs, exec, port-forward);
    /// upstream's `--kubelet-client-certificate` / `--kubelet-client-key`.
    public var kubeletClientCertificate: String?
    public var kubeletClientKey: String?
    /// CA bundle that kubelet serving certificates must chain to (`--kubelet-certificate-authority`);
    /// nil: the system roots.
    public var kubeletCertificateAuthority: String?
    /// P-256 private key PEM that signs service-account tokens (upstream's
    /// `--service-account-signing-key-file`); nil: no TokenRequest and no service-account tokens.
    public var serviceAccountSigningKeyFile: String?
    /// The `iss` of issued tokens, the only issuer accepted, and the default (API) audience
    /// (upstream's `--service-account-issuer`).
    public var serviceAccountIssuer: String = APIServerConfig.defaultServiceAccountIssuer

    public static let defaultServiceAccountIssuer = "https://kubernetes.default.svc.cluster.local"

    public init(tlsCertFile: String, tlsKeyFile: String, clientCAFile: String, databasePath: String) {
        self.tlsCertFile = tlsCertFile
        self.tlsKeyFile = tlsKeyFile
        self.clientCAFile = clientCAFile
        self.databasePath = databasePath
    }

    /// Missing keys keep their defaults, so older config files stay valid.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        tlsCertFile = try c.decode(String.self, forKey: .tlsCertFile)
        tlsKeyFile = try c.decode(String.self, forKey: .tlsKeyFile)
        clientCAFile = try c.decode(String.self, forKey: .clientCAFile)
        databasePath = try c.decode(String.self, forKey: .databasePath)
        bindAddress = try value(.bindAddress, bindAddress)
        securePort = try value(.securePort, securePort)
        advertiseAddress = try value(.advertiseAddress, advertiseAddress)
        tokenAuthFile = try c.decodeIfPresent(String.self, forKey: .tokenAuthFile)
        serviceCIDR = try value(.serviceCIDR, serviceCIDR)
        clusterCIDR = try value(.clusterCIDR, clusterCIDR)
        serviceNodePortRange = try value(.serviceNodePortRange, serviceNodePortRange)
        maxRequestsInflight = try value(.maxRequestsInflight, maxRequestsInflight)
        maxMutatingRequestsInflight = try value(.maxMutatingRequestsInflight, maxMutatingRequestsInflight)
        compactionRetainSeconds = try value(.compactionRetainSeconds, compactionRetainSeconds)
        compactionRetainRevisions = try value(.compactionRetainRevisions, compactionRetainRevisions)
        compactionIntervalSeconds = try value(.compactionIntervalSeconds, compactionIntervalSeconds)
        portFile = try c.decodeIfPresent(String.self, forKey: .portFile)
        logLevel = try value(.logLevel, logLevel)
        eventLoopThreads = try c.decodeIfPresent(Int.self, forKey: .eventLoopThreads)
        kubeletClientCertificate = try c.decodeIfPresent(String.self, forKey: .kubeletClientCertificate)
        kubeletClientKey = try c.decodeIfPresent(String.self, forKey: .kubeletClientKey)
        kubeletCertificateAuthority = try c.decodeIfPresent(String.self, forKey: .kubeletCertificateAuthority)
        serviceAccountSigningKeyFile = try c.decodeIfPresent(String.self, forKey: .serviceAccountSigningKeyFile)
        serviceAccountIssuer = try value(.serviceAccountIssuer, serviceAccountIssuer)
    }
}

/// A typed component configuration file (JSON) that `swiftlet server` writes and a component reads.
public protocol JSONConfigFile: Codable {}

extension JSONConfigFile {
    /// Reads a config file and reports a clear error naming the file (and the key) for a missing or
    /// malformed one.
    public static func load(path: String) throws -> Self {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("cannot read config file \(path)")
        }
        do {
            return try JSONDecoder().decode(Self.self, from: data)
        } catch let error as DecodingError {
            throw ConfigError("invalid config file \(path): \(ConfigError.describe(error))")
        } catch {
            throw ConfigError("invalid config file \(path): \(error)")
        }
    }

    /// Writes the file atomically, pretty-printed with sorted keys.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

public struct ConfigError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
