import Foundation
import Testing
@testable import KubeAPI

@Suite struct ValidationTests {
    // MARK: realistic objects pass

    @Test(arguments: [
        (Manifests.pod, Kinds.pod), (Manifests.deployment, Kinds.deployment), (Manifests.service, Kinds.service),
        (Manifests.configMap, Kinds.configMap), (Manifests.secret, Kinds.secret), (Manifests.job, Kinds.job),
        (Manifests.cronJob, Kinds.cronJob),
    ])
    func realisticObjectsPass(text: String, gvk: GroupVersionKind) throws {
        let result = try admit(text, gvk)
        #expect(result.causes.isEmpty, "\(result.causes)")
    }

    /// Downward API and projected items name fields and sources, not keys (ConfigMap items need one).
    @Test func volumeItemsNeedKeysOnlyWhereKeyed() throws {
        let volumes = #"[{"name":"info","downwardAPI":{"items":[{"path":"labels","fieldRef":{"fieldPath":"metadata.labels"}}]}},"# +
            #"{"name":"proj","projected":{"sources":[{"serviceAccountToken":{"path":"token"}}]}},"# +
            #"{"name":"cfg","configMap":{"name":"c","items":[{"path":"p"}]}}]"#
        let text = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default"},"spec":{"volumes":\#(volumes),"containers":[{"name":"web","image":"nginx"}]}}"#
        let result = try admit(text, Kinds.pod)
        #expect(result.message(Kinds.pod) == #"Pod "web" is invalid: spec.volumes[2].configMap.items[0].key: Required value"#)
    }

    // MARK: exact messages

    static let labelRegexTail = "(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

    @Test(arguments: [
        // Missing image.
        (#"{"containers":[{"name":"web"}]}"#,
         #"Pod "web" is invalid: spec.containers[0].image: Required value"#),
        // Bad container name.
        (#"{"containers":[{"name":"Web_1","image":"nginx"}]}"#,
         #"Pod "web" is invalid: spec.containers[0].name: Invalid value: "Web_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character "# + labelRegexTail),
        // Duplicate container names.
        (#"{"containers":[{"name":"web","image":"nginx"},{"name":"web","image":"busybox"}]}"#,
         #"Pod "web" is invalid: spec.containers[1].name: Duplicate value: "web""#),
        // Unsupported restart policy.
        (#"{"restartPolicy":"Sometimes","containers":[{"name":"web","image":"nginx"}]}"#,
         #"Pod "web" is invalid: spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never""#),
        (#"{"dnsPolicy":"Google","containers":[{"name":"web","image":"nginx"}]}"#,
         #"Pod "web" is invalid: spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None""#),
        // No containers.
        (#"{"containers":[]}"#, #"Pod "web" is invalid: spec.containers: Required value"#),
        // Invalid quantity.
        (#"{"containers":[{"name":"web","image":"nginx","resources":{"limits":{"cpu":"abc"}}}]}"#,
         #"Pod "web" is invalid: spec.containers[0].resources.limits[cpu]: Invalid value: "abc": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"#),
        // Requests above limits.
        (#"{"containers":[{"name":"web","image":"nginx","resources":{"limits":{"cpu":"1"},"requests":{"cpu":"2000m"}}}]}"#,
         #"Pod "web" is invalid: spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1"#),
        // Ports.
        (#"{"containers":[{"name":"web","image":"nginx","ports":[{"containerPort":70000,"protocol":"HTTP"}]}]}"#,
         #"Pod "web" is invalid: [spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive, spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"]"#),
        (#"{"containers":[{"name":"web","image":"nginx","ports":[{"containerPort":80,"name":"http"},{"containerPort":81,"name":"http"}]}]}"#,
         #"Pod "web" is invalid: spec.containers[0].ports[1].name: Duplicate value: "http""#),
        // Mount of a volume that does not exist, and a duplicate volume.
        (#"{"volumes":[{"name":"data"},{"name":"data"}],"containers":[{"name":"web","image":"nginx","volumeMounts":[{"name":"cache","mountPath":"/cache"}]}]}"#,
         #"Pod "web" is invalid: [spec.volumes[1].name: Duplicate value: "data", spec.containers[0].volumeMounts[0].name: Not found: "cache"]"#),
        // Env names (relaxed rules of v1.32).
        (#"{"containers":[{"name":"web","image":"nginx","env":[{"name":"A=B","value":"x"},{"value":"y"}]}]}"#,
         #"Pod "web" is invalid: [spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '=', spec.containers[0].env[1].name: Required value]"#),
    ])
    func podErrors(spec: String, expected: String) throws {
        let text = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default"},"spec":\#(spec)}"#
        let result = try admit(text, Kinds.pod)
        #expect(result.message(Kinds.pod) == expected)
    }

    @Test func causesCarryReasonsAndFields() throws {
        let text = #"{"metadata":{"name":"web","namespace":"default"},"spec":{"containers":[{"name":"web"}]}}"#
        let result = try admit(text, Kinds.pod)
        #expect(result.causes == [StatusCause(reason: "FieldValueRequired", message: "Required value", field: "spec.containers[0].image")])
    }

    @Test func badObjectName() throws {
        let text = #"{"metadata":{"name":"Web_1","namespace":"default"},"spec":{"containers":[{"name":"web","image":"nginx"}]}}"#
        let result = try admit(text, Kinds.pod)
        #expect(result.message(Kinds.pod) == #"Pod "Web_1" is invalid: metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#)
        #expect(result.causes.first?.reason == "FieldValueInvalid")
    }

    @Test func metadataErrors() throws {
        let text = #"{"metadata":{"namespace":"default","labels":{"bad key!":"ok","app":"-x"},"finalizers":["a/b/c"]},"data":{}}"#
        let causes = try admit(text, Kinds.configMap).causes
        #expect(causes.map(\.field) == ["metadata.name", "metadata.labels", "metadata.labels", "metadata.finalizers"])
        #expect(causes[0].message == "Required value: name or generateName is required")
        #expect(causes[1].message.hasPrefix(#"Invalid value: "bad key!": name part must consist of alphanumeric characters"#))
        #expect(causes[2].message.hasPrefix(#"Invalid value: "-x": a valid label must be an empty string"#))
        #expect(causes[3].message.hasPrefix(#"Invalid value: "a/b/c": a qualified name must consist of"#))
    }

    @Test func namespaceScope() throws {
        var pod = try JSON(parsing: #"{"metadata":{"name":"web"},"spec":{"containers":[{"name":"web","image":"nginx"}]}}"#)
        let missing = Admission.defaultAndValidate(&pod, gvk: Kinds.pod, operation: .create, old: nil)
        #expect(missing.map(\.field) == ["metadata.namespace"])
        var ns = try JSON(parsing: #"{"metadata":{"name":"team-a","namespace":"default"}}"#)
        let forbidden = Admission.defaultAndValidate(&ns, gvk: Kinds.namespace, operation: .create, old: nil)
        #expect(forbidden.map(\.message) == ["Forbidden: not allowed on this type"])
    }

    // MARK: workloads

    @Test func selectorMustMatchTemplateLabels() throws {
        let text = Manifests.deployment.replacingFirst(#""matchLabels":{"app":"web"}"#, with: #""matchLabels":{"app":"api"}"#)
        let result = try admit(text, Kinds.deployment)
        #expect(result.message(Kinds.deployment) == #"Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"web", "tier":"frontend"}: `selector` does not match template `labels`"#)
    }

    @Test func missingSelectorReportsBothErrors() throws {
        let text = Manifests.deployment.replacingFirst(#""selector":{"matchLabels":{"app":"web"}},"#, with: "")
        let result = try admit(text, Kinds.deployment)
        #expect(result.causes.map(\.field) == ["spec.selector", "spec.template.metadata.labels"])
        #expect(result.causes[0].message == "Required value")
    }

    @Test func negativeReplicasAndBadStrategy() throws {
        let text = Manifests.deployment.replacingFirst(#""spec":{"selector""#,
            with: #""spec":{"replicas":-1,"strategy":{"rollingUpdate":{"maxUnavailable":"x","maxSurge":0}},"selector""#)
        let causes = try admit(text, Kinds.deployment).causes
        #expect(causes.contains(StatusCause(reason: "FieldValueInvalid", message: "Invalid value: -1: must be greater than or equal to 0", field: "spec.replicas")))
        #expect(causes.contains { $0.field == "spec.strategy.rollingUpdate.maxUnavailable" && $0.message.hasPrefix(#"Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"x"}: a valid percent string"#) })
    }

    @Test func selectorIsImmutable() throws {
        let old = try stored(Manifests.deployment, Kinds.deployment)
        let changed = Manifests.deployment
            .replacingFirst(#""matchLabels":{"app":"web"}"#, with: #""matchLabels":{"app":"web2"}"#)
            .replacingFirst(#""labels":{"app":"web","tier""#, with: #""labels":{"app":"web2","tier""#)
        let result = try admit(changed, Kinds.deployment, .update, old: old)
        #expect(result.message(Kinds.deployment) == #"Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"#)
        // Changing only the image is fine, and uid/creationTimestamp carry over.
        var oldWithMeta = old
        oldWithMeta["metadata"]["uid"] = "u-1"
        oldWithMeta["metadata"]["creationTimestamp"] = "2025-01-01T00:00:00Z"
        let image = try admit(Manifests.deployment.replacingFirst(#""image":"nginx""#, with: #""image":"nginx:1.27""#),
                              Kinds.deployment, .update, old: oldWithMeta)
        #expect(image.causes.isEmpty)
        #expect(image.object["metadata"]["uid"] == "u-1")
        #expect(image.object["metadata"]["creationTimestamp"] == "2025-01-01T00:00:00Z")
    }

    @Test func jobTemplateNeedsNeverOrOnFailure() throws {
        let text = Manifests.job.replacingFirst(#""restartPolicy":"Never""#, with: #""dnsPolicy":"ClusterFirst""#)
        let result = try admit(text, Kinds.job)
        #expect(result.message(Kinds.job) == #"Job.batch "pi" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never""#)
    }

    @Test func podSpecIsImmutableOnUpdate() throws {
        let old = try stored(Manifests.pod, Kinds.pod)
        let imageOnly = try admit(Manifests.pod.replacingFirst("nginx:1.27", with: "nginx:1.28"), Kinds.pod, .update, old: old)
        #expect(imageOnly.causes.isEmpty, "\(imageOnly.causes)")
        let ports = try admit(Manifests.pod.replacingFirst(#""containerPort":80"#, with: #""containerPort":81"#), Kinds.pod, .update, old: old)
        #expect(ports.causes.count == 1)
        #expect(ports.causes.first?.field == "spec")
        #expect(ports.causes.first?.message.hasPrefix("Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n") == true)
    }

    // MARK: batch

    @Test(arguments: [
        ("61 * * * *", "end of range (61) above maximum (59): 61"),
        ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
        ("*/0 * * * *", "step of range should be a positive number: */0"),
        ("0 0 * * funday", #"failed to parse int from funday: strconv.Atoi: parsing "funday": invalid syntax"#),
        ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
        ("0 0 0 * *", "beginning of range (0) below minimum (1): 0"),
        ("@fortnightly", "unrecognized descriptor: @fortnightly"),
    ])
    func invalidCronSchedule(schedule: String, detail: String) throws {
        let text = Manifests.cronJob.replacingFirst("30 2 * * mon-fri", with: schedule)
        let result = try admit(text, Kinds.cronJob)
        #expect(result.message(Kinds.cronJob) == #"CronJob.batch "nightly" is invalid: spec.schedule: Invalid value: \#(GoSyntax.quote(schedule)): \#(detail)"#)
    }

    @Test(arguments: ["*/5 * * * *", "0 0 * * 0", "@hourly", "@every 1h30m", "0 9-17 * * MON-FRI", "15 2 1 jan,jul *", "0 0 1-31/2 * ?"])
    func validCronSchedule(schedule: String) {
        #expect(CronSchedule.validate(schedule) == nil)
    }

    @Test func cronJobRejectsTZAndLongNames() throws {
        let tz = try admit(Manifests.cronJob.replacingFirst("30 2 * * mon-fri", with: "TZ=UTC 0 0 * * *"), Kinds.cronJob)
        #expect(tz.causes.map(\.message) == [#"Invalid value: "TZ=UTC 0 0 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"#])
        let long = String(repeating: "a", count: 53)
        let named = try admit(Manifests.cronJob.replacingFirst(#""name":"nightly""#, with: #""name":"\#(long)""#), Kinds.cronJob)
        #expect(named.causes.map(\.message) == [#"Invalid value: "\#(long)": must be no more than 52 characters"#])
    }

    // MARK: services

    @Test func serviceErrors() throws {
        let twoUnnamed = #"{"metadata":{"name":"web","namespace":"default"},"spec":{"ports":[{"port":80},{"port":443}]}}"#
        #expect(try admit(twoUnnamed, Kinds.service).causes.map(\.field) == ["spec.ports[0].name", "spec.ports[1].name"])
        let noPorts = #"{"metadata":{"name":"web","namespace":"default"},"spec":{"selector":{"app":"web"}}}"#
        #expect(try admit(noPorts, Kinds.service).message(Kinds.service) == #"Service "web" is invalid: spec.ports: Required value"#)
        let external = #"{"metadata":{"name":"db","namespace":"default"},"spec":{"type":"ExternalName"}}"#
        #expect(try admit(external, Kinds.service).causes.map(\.field) == ["spec.externalName"])
        let badType = #"{"metadata":{"name":"web","namespace":"default"},"spec":{"type":"Magic","ports":[{"port":80}]}}"#
        #expect(try admit(badType, Kinds.service).causes.map(\.message) == [#"Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort""#])
        let headless = #"{"metadata":{"name":"db","namespace":"default"},"spec":{"clusterIP":"None","selector":{"app":"db"}}}"#
        #expect(try admit(headless, Kinds.service).causes.isEmpty)
        let dns1035 = #"{"metadata":{"name":"1web","namespace":"default"},"spec":{"ports":[{"port":80}]}}"#
        #expect(try admit(dns1035, Kinds.service).causes.first?.message.contains("a DNS-1035 label must consist of") == true)
    }

    @Test func clusterIPIsImmutable() throws {
        var old = try stored(Manifests.service, Kinds.service)
        old["spec"]["clusterIP"] = "10.43.0.10"
        old["spec"]["clusterIPs"] = ["10.43.0.10"]
        // Omitting the allocated IP keeps it.
        let kept = try admit(Manifests.service, Kinds.service, .update, old: old)
        #expect(kept.causes.isEmpty)
        #expect(kept.object["spec"]["clusterIP"] == "10.43.0.10")
        let changed = Manifests.service.replacingFirst(#""spec":{"#, with: #""spec":{"clusterIP":"10.43.0.99","clusterIPs":["10.43.0.99"],"#)
        let result = try admit(changed, Kinds.service, .update, old: old)
        #expect(result.message(Kinds.service) == #"Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.43.0.99"}: may not change once set"#)
    }

    // MARK: config

    @Test func badSecretKey() throws {
        let text = #"{"metadata":{"name":"creds","namespace":"default"},"data":{"bad key":"eA=="}}"#
        let result = try admit(text, Kinds.secret)
        #expect(result.message(Kinds.secret) == #"Secret "creds" is invalid: data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"#)
    }

    @Test(arguments: [("..", "must not be '..'"), ("..x", "must not start with '..'")])
    func chdirKeys(key: String, message: String) throws {
        let text = #"{"metadata":{"name":"cfg","namespace":"default"},"data":{"\#(key)":"v"}}"#
        #expect(try admit(text, Kinds.configMap).causes.map(\.message) == [#"Invalid value: "\#(key)": \#(message)"#])
    }

    @Test func secretDataMustBeBase64AndSizeBounded() throws {
        let bad = #"{"metadata":{"name":"creds","namespace":"default"},"data":{"k":"abc"}}"#
        #expect(try admit(bad, Kinds.secret).causes.map(\.message) == [#"Invalid value: "<secret contents redacted>": illegal base64 data at input byte 0"#])
        let big = String(repeating: "A", count: 1_400_000)  // 1,050,000 bytes decoded
        let huge = #"{"metadata":{"name":"creds","namespace":"default"},"data":{"k":"\#(big)"}}"#
        #expect(try admit(huge, Kinds.secret).causes == [StatusCause(reason: "FieldValueTooLong", message: "Too long: must have at most 1048576 bytes", field: "data")])
        let tls = #"{"metadata":{"name":"cert","namespace":"default"},"type":"kubernetes.io/tls","data":{"tls.crt":"eA=="}}"#
        #expect(try admit(tls, Kinds.secret).causes.map(\.field) == ["data[tls.key]"])
    }

    @Test func immutableConfigAndSecretType() throws {
        let old = try stored(Manifests.configMap.replacingFirst(#""data""#, with: #""immutable":true,"data""#), Kinds.configMap)
        let edited = Manifests.configMap.replacingFirst(#""data":{"nginx.conf":"server {}""#, with: #""immutable":true,"data":{"nginx.conf":"server { listen 81; }""#)
        #expect(try admit(edited, Kinds.configMap, .update, old: old).causes.map(\.message) == ["Forbidden: field is immutable when `immutable` is set"])
        let oldSecret = try stored(Manifests.secret, Kinds.secret)
        let retyped = Manifests.secret.replacingFirst(#""data""#, with: #""type":"kubernetes.io/basic-auth","data""#)
        let causes = try admit(retyped, Kinds.secret, .update, old: oldSecret).causes
        #expect(causes.map(\.message) == [#"Invalid value: "kubernetes.io/basic-auth": field is immutable"#])
    }

    // MARK: other kinds

    @Test func roleBindingRoleRefRequiredAndImmutable() throws {
        let missing = #"{"metadata":{"name":"read","namespace":"default"},"roleRef":{"kind":"Role"}}"#
        #expect(try admit(missing, Kinds.roleBinding).causes.map(\.field) == ["roleRef.name"])
        let text = #"{"metadata":{"name":"read","namespace":"default"},"roleRef":{"kind":"Role","name":"reader"}}"#
        let old = try stored(text, Kinds.roleBinding)
        let changed = try admit(text.replacingFirst("reader", with: "writer"), Kinds.roleBinding, .update, old: old)
        #expect(changed.causes.map(\.message) == [#"Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"writer"}: cannot change roleRef"#])
    }

    @Test func pvcNeedsAccessModesAndStorage() throws {
        let text = #"{"metadata":{"name":"data","namespace":"default"},"spec":{"resources":{}}}"#
        let result = try admit(text, Kinds.pvc)
        #expect(result.causes.map { "\($0.field): \($0.message)" } == [
            "spec.accessModes: Required value: at least 1 access mode is required",
            "spec.resources[storage]: Required value",
        ])
    }

    @Test(arguments: [
        (NameRule.dns1123Label, "team.a", ["must not contain dots"]),
        (NameRule.dns1035Label, "9lives", ["a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"]),
        (NameRule.pathSegment, "a/b%c", ["may not contain '/'", "may not contain '%'"]),
        (NameRule.pathSegment, "system:admin", []),
        (NameRule.dns1123Subdomain, String(repeating: "a", count: 254), ["must be no more than 253 characters"]),
    ])
    func nameRules(rule: NameRule, name: String, messages: [String]) {
        #expect(Admission.validateName(name, rule: rule) == messages)
    }

    @Test func nameRulePerKind() {
        #expect(Admission.nameRule(for: Kinds.namespace) == .dns1123Label)
        #expect(Admission.nameRule(for: Kinds.service) == .dns1035Label)
        #expect(Admission.nameRule(for: Kinds.pod) == .dns1123Subdomain)
        #expect(Admission.nameRule(for: Kinds.roleBinding) == .pathSegment)
        #expect(Admission.validateName("web-", rule: .dns1123Subdomain, prefix: true).isEmpty)
        #expect(!Admission.validateName("web-", rule: .dns1123Subdomain).isEmpty)
    }
}

@Suite struct QuantityTests {
    @Test(arguments: [
        ("100m", "100m"), ("1000m", "1"), ("1Gi", "1Gi"), ("0.5Gi", "512Mi"), ("1.5Gi", "1536Mi"), ("2048Ki", "2Mi"),
        ("1e3", "1e3"), ("1500", "1500"), ("1.5", "1500m"), ("500Mi", "500Mi"), ("1k", "1k"), ("0", "0"),
        ("100Ki", "100Ki"), ("512", "512"), ("0.1n", "1n"), ("-2", "-2"), ("+5", "5"), ("1E", "1E"), ("10e-3", "10e-3"),
    ])
    func canonicalForm(text: String, canonical: String) throws {
        #expect(try Quantity(parsing: text).description == canonical)
    }

    @Test(arguments: ["", "abc", "1.2.3", "1Qi", "1Kb", ".", "--1", "1 Gi"])
    func rejectsMalformed(text: String) {
        #expect(throws: Quantity.ParseError.self) { try Quantity(parsing: text) }
    }

    @Test func suffixErrorMessage() {
        #expect(throws: Quantity.ParseError(description: "unable to parse quantity's suffix")) { try Quantity(parsing: "1KM") }
    }

    @Test func comparesByValue() throws {
        #expect(try Quantity(parsing: "1000m") == Quantity(parsing: "1"))
        #expect(try Quantity(parsing: "1Gi") > Quantity(parsing: "1G"))
        #expect(try Quantity(parsing: "500Mi") < Quantity(parsing: "0.5Gi"))
        #expect(try Quantity(parsing: "1e3") == Quantity(parsing: "1k"))
    }
}

@Suite struct FieldErrorTests {
    @Test func messagesMatchApimachinery() {
        let p = FieldPath("spec").child("containers").index(0).child("env").key("A")
        #expect(p.description == "spec.containers[0].env[A]")
        #expect(FieldError.required(p).body == "Required value")
        #expect(FieldError.invalid(p, "x\"y", "bad").body == #"Invalid value: "x\"y": bad"#)
        #expect(FieldError.notSupported(p, "x", ["a", "b"]).body == #"Unsupported value: "x": supported values: "a", "b""#)
        #expect(FieldError.duplicate(p, .int(3)).body == "Duplicate value: 3")
        #expect(FieldError.forbidden(p, "no").body == "Forbidden: no")
        #expect(FieldError.tooLong(p, 10).body == "Too long: must have at most 10 bytes")
        #expect(FieldError.invalid(p, .null, "x").cause == StatusCause(reason: "FieldValueInvalid", message: "Invalid value: null: x", field: "spec.containers[0].env[A]"))
        #expect(GoSyntax.quote("tab\there\u{1}é") == #""tab\there\x01é""#)
        #expect(GoSyntax.stringMap(nil) == "map[string]string(nil)")
    }
}
