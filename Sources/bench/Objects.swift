/// Request bodies the benchmark sends: small, realistic objects.
enum Objects {
    static func namespace(_ name: String) -> [UInt8] {
        Array(#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"\#(name)"}}"#.utf8)
    }

    /// A small ConfigMap (~250 bytes on the wire).
    static func configMap(_ name: String, generation: Int = 0) -> [UInt8] {
        Array((#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"\#(name)","labels":{"app":"bench","tier":"load"}},"#
            + #""data":{"setting":"value-\#(generation)","mode":"fast","payload":"0123456789abcdef0123456789abcdef"}}"#).utf8)
    }

    /// A merge patch that changes one data key (and so emits one MODIFIED event).
    static func configMapPatch(generation: Int) -> [UInt8] {
        Array(#"{"data":{"setting":"value-\#(generation)"}}"#.utf8)
    }

    /// A typical small pod as a Deployment would create it (~1 KB of JSON before defaulting).
    static func pod(_ name: String, index: Int) -> [UInt8] {
        let text = """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"\(name)","labels":{"app":"web","pod-template-hash":"5d8f9c7b6d",\
        "tier":"frontend","shard":"s\(index % 16)"},"annotations":{"kubectl.kubernetes.io/restartedAt":"2025-01-01T00:00:00Z",\
        "prometheus.io/scrape":"true","prometheus.io/port":"8080"}},"spec":{"containers":[{"name":"web",\
        "image":"registry.example.com/team/web:1.27.3","ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],\
        "env":[{"name":"MODE","value":"production"},{"name":"LOG_LEVEL","value":"info"},{"name":"POD_INDEX","value":"\(index)"}],\
        "resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"500m","memory":"256Mi"}},\
        "readinessProbe":{"httpGet":{"path":"/healthz","port":8080},"periodSeconds":10},\
        "volumeMounts":[{"name":"config","mountPath":"/etc/web"}]}],\
        "volumes":[{"name":"config","configMap":{"name":"web-config"}}],\
        "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst"}}
        """
        return Array(text.utf8)
    }
}
