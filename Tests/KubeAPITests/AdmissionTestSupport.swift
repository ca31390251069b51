import Testing
@testable import KubeAPI

/// Shared fixtures for the defaulting and validation suites.
enum Kinds {
    static let pod = GroupVersionKind(group: "", version: "v1", kind: "Pod")
    static let service = GroupVersionKind(group: "", version: "v1", kind: "Service")
    static let configMap = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
    static let secret = GroupVersionKind(group: "", version: "v1", kind: "Secret")
    static let namespace = GroupVersionKind(group: "", version: "v1", kind: "Namespace")
    static let deployment = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")
    static let statefulSet = GroupVersionKind(group: "apps", version: "v1", kind: "StatefulSet")
    static let daemonSet = GroupVersionKind(group: "apps", version: "v1", kind: "DaemonSet")
    static let job = GroupVersionKind(group: "batch", version: "v1", kind: "Job")
    static let cronJob = GroupVersionKind(group: "batch", version: "v1", kind: "CronJob")
    static let roleBinding = GroupVersionKind(group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding")
    static let pvc = GroupVersionKind(group: "", version: "v1", kind: "PersistentVolumeClaim")
}

struct Admitted {
    var object: JSON
    var causes: [StatusCause]

    /// The 422 message the apiserver would send.
    func message(_ gvk: GroupVersionKind) -> String {
        StatusError.invalid(kind: gvk.kind, group: gvk.group, name: object["metadata"]["name"].string, causes: causes).message
    }
}

func admit(_ text: String, _ gvk: GroupVersionKind, _ operation: AdmissionOperation = .create,
           old: JSON? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> Admitted {
    var object = try JSON(parsing: text)
    let causes = Admission.defaultAndValidate(&object, gvk: gvk, operation: operation, old: old)
    return Admitted(object: object, causes: causes)
}

/// Creates `text`, then returns the stored form (as the caller would keep it) for update tests.
func stored(_ text: String, _ gvk: GroupVersionKind) throws -> JSON {
    let created = try admit(text, gvk)
    #expect(created.causes.isEmpty, "fixture must be valid: \(created.causes)")
    var object = created.object
    object["metadata"]["resourceVersion"] = "1"
    return object
}

enum Manifests {
    static let pod = #"""
    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default","labels":{"app":"web"}},
     "spec":{"containers":[{"name":"web","image":"nginx:1.27","ports":[{"containerPort":80,"name":"http"}],
       "resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"500m","memory":"128Mi"}},
       "env":[{"name":"MODE","value":"prod"},{"name":"POD_IP","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}}],
       "readinessProbe":{"httpGet":{"path":"/healthz","port":"http"}},
       "volumeMounts":[{"name":"config","mountPath":"/etc/web"}]}],
      "volumes":[{"name":"config","configMap":{"name":"web-config"}},{"name":"scratch"}]}}
    """#

    static let deployment = #"""
    {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","labels":{"app":"web"}},
     "spec":{"selector":{"matchLabels":{"app":"web"}},
      "template":{"metadata":{"labels":{"app":"web","tier":"frontend"}},
       "spec":{"containers":[{"name":"web","image":"nginx","ports":[{"containerPort":80}]}]}}}}
    """#

    static let service = #"""
    {"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"},
     "spec":{"selector":{"app":"web"},"ports":[{"name":"http","port":80,"targetPort":8080},{"name":"metrics","port":9090}]}}
    """#

    static let configMap = #"""
    {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"web-config","namespace":"default"},
     "data":{"nginx.conf":"server {}","LOG_LEVEL":"info"},"binaryData":{"logo.png":"iVBORw0KGgo="}}
    """#

    static let secret = #"""
    {"apiVersion":"v1","kind":"Secret","metadata":{"name":"creds","namespace":"default"},
     "data":{"password":"czNjcjN0"},"stringData":{"username":"admin"}}
    """#

    static let job = #"""
    {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi","namespace":"default","uid":"6f1c0b52-3c1e-4a53-9d36-1b8e2d6f0a11"},
     "spec":{"template":{"spec":{"containers":[{"name":"pi","image":"perl:5.34","command":["perl","-e","print 1"]}],
       "restartPolicy":"Never"}}}}
    """#

    static let cronJob = #"""
    {"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly","namespace":"default"},
     "spec":{"schedule":"30 2 * * mon-fri","jobTemplate":{"spec":{"template":{"spec":{
       "containers":[{"name":"backup","image":"busybox:1.36","args":["sh","-c","date"]}],"restartPolicy":"OnFailure"}}}}}}
    """#
}
