/// How a protobuf field's value turns into JSON.
public indirect enum ProtoFieldType: Sendable, Hashable {
    case string
    case bool
    /// Varint integers; negative int32 values arrive sign-extended to 64 bits.
    case int32
    case int64
    case double
    /// Bytes become a base64 JSON string, as Go's `encoding/json` writes `[]byte`.
    case bytes
    /// A nested message, by its descriptor name (e.g. `"core.PodSpec"`).
    case message(String)
    /// `map<string, V>`: repeated entries with key = 1 and value = 2, a JSON object.
    case map(ProtoFieldType)
    /// `meta/v1.Time` and `MicroTime` (seconds = 1, nanos = 2): an RFC 3339 string.
    case time
    /// `intstr.IntOrString` (type = 1, intVal = 2, strVal = 3): a JSON number or string.
    case intOrString
    /// `resource.Quantity` (string = 1): its canonical string.
    case quantity
    /// `meta/v1.Duration` (duration = 1): a Go duration string such as `"5m0s"`.
    case duration
    /// `runtime.RawExtension` (raw = 1): JSON bytes, embedded as parsed JSON.
    case rawExtension
    /// `meta/v1.FieldsV1` (raw = 1): JSON bytes, embedded as parsed JSON.
    case fieldsV1
}

/// How often a field occurs and whether a zero value is kept.
///
/// Go's generated marshallers write every non-pointer field, even when it holds its zero value
/// (`generateName: ""`, `generation: 0`, an empty `status` message). Copying those to JSON would
/// give objects that differ from their JSON form, so zero values are dropped unless the Go field is
/// a pointer (where presence means "set", e.g. `replicas: 0`, `emptyDir: {}`) or its JSON tag lacks
/// `omitempty`. One deliberate difference from Go: a zero non-pointer struct (`creationTimestamp`,
/// `status`, `strategy`) is dropped rather than written as `null`/`{}`; the server fills those in.
public enum ProtoOccurs: Sendable, Hashable {
    /// Dropped from JSON when it holds its zero value (Go `omitempty`, non-pointer).
    case optional
    /// Kept whenever it is on the wire, even with a zero value (Go pointer, or no `omitempty`).
    case emitZero
    /// A JSON array; elements are kept as they are.
    case repeated
    /// An embedded Go struct whose JSON fields are inlined into the parent
    /// (`Volume.volumeSource`, `Probe.handler`, `IngressRule.ingressRuleValue`).
    case inline
}

/// One field of a message descriptor.
public struct ProtoField: Sendable, Hashable {
    public var number: Int
    /// The JSON name (Kubernetes proto field names are the JSON tag names).
    public var name: String
    public var type: ProtoFieldType
    public var occurs: ProtoOccurs

    public init(_ number: Int, _ name: String, _ type: ProtoFieldType = .string, _ occurs: ProtoOccurs = .optional) {
        self.number = number
        self.name = name
        self.type = type
        self.occurs = occurs
    }
}

/// A message schema: field number → field. Unknown field numbers are skipped when decoding, so a
/// descriptor may list only the fields Swiftlet understands.
public struct ProtoMessage: Sendable {
    public let name: String
    public let fields: [Int: ProtoField]

    public init(name: String, fields: [ProtoField]) {
        self.name = name
        var table: [Int: ProtoField] = [:]
        for field in fields { table[field.number] = field }
        self.fields = table
    }
}

extension ProtoField {
    /// Shorthand for the descriptor tables: `.f(1, "name")`, `.f(2, "replicas", .int32, .emitZero)`.
    static func f(_ number: Int, _ name: String, _ type: ProtoFieldType = .string,
                  _ occurs: ProtoOccurs = .optional) -> ProtoField {
        ProtoField(number, name, type, occurs)
    }
}

/// All message descriptors, keyed by `"<group>.<Message>"` (e.g. `"apps.DeploymentSpec"`).
public enum ProtoSchema {
    /// Every descriptor Swiftlet knows.
    public static let messages: [String: ProtoMessage] = {
        let tables: [[String: [ProtoField]]] = [
            metaMessages, coreObjectMessages, podMessages, containerMessages, volumeMessages,
            workloadMessages, authMessages, rbacMessages, miscMessages,
        ]
        var all: [String: ProtoMessage] = [:]
        for table in tables {
            for (name, fields) in table {
                precondition(all[name] == nil, "duplicate protobuf descriptor \(name)")
                all[name] = ProtoMessage(name: name, fields: fields)
            }
        }
        return all
    }()

    /// Top-level kinds: `"<apiVersion> <Kind>"` → descriptor name of the object message.
    public static let kinds: [String: String] = [
        "v1 Namespace": "core.Namespace",
        "v1 ConfigMap": "core.ConfigMap",
        "v1 Secret": "core.Secret",
        "v1 Service": "core.Service",
        "v1 ServiceAccount": "core.ServiceAccount",
        "v1 ResourceQuota": "core.ResourceQuota",
        "v1 Pod": "core.Pod",
        "apps/v1 Deployment": "apps.Deployment",
        "batch/v1 Job": "batch.Job",
        "batch/v1 CronJob": "batch.CronJob",
        "authentication.k8s.io/v1 TokenRequest": "authn.TokenRequest",
        "authorization.k8s.io/v1 SelfSubjectAccessReview": "authz.SelfSubjectAccessReview",
        "authorization.k8s.io/v1 SelfSubjectRulesReview": "authz.SelfSubjectRulesReview",
        "authentication.k8s.io/v1 SelfSubjectReview": "authn.SelfSubjectReview",
        "policy/v1 Eviction": "policy.Eviction",
        "policy/v1 PodDisruptionBudget": "policy.PodDisruptionBudget",
        "rbac.authorization.k8s.io/v1 Role": "rbac.Role",
        "rbac.authorization.k8s.io/v1 ClusterRole": "rbac.ClusterRole",
        "rbac.authorization.k8s.io/v1 RoleBinding": "rbac.RoleBinding",
        "rbac.authorization.k8s.io/v1 ClusterRoleBinding": "rbac.ClusterRoleBinding",
        "networking.k8s.io/v1 Ingress": "networking.Ingress",
        "scheduling.k8s.io/v1 PriorityClass": "scheduling.PriorityClass",
    ]

    /// The descriptor for an object of `apiVersion`/`kind`, or nil when Swiftlet has none.
    public static func message(apiVersion: String, kind: String) -> ProtoMessage? {
        kinds["\(apiVersion) \(kind)"].flatMap { messages[$0] }
    }
}
