import Foundation
import Testing
@testable import KubeAPI

@Suite struct DefaultingTests {
    @Test func deploymentGetsAllItsDefaults() throws {
        let result = try admit(Manifests.deployment, Kinds.deployment)
        #expect(result.causes.isEmpty)
        let spec = result.object["spec"]
        #expect(spec["replicas"] == 1)
        #expect(spec["strategy"] == ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": "25%", "maxSurge": "25%"]])
        #expect(spec["revisionHistoryLimit"] == 10)
        #expect(spec["progressDeadlineSeconds"] == 600)
        let podSpec = spec["template"]["spec"]
        #expect(podSpec["restartPolicy"] == "Always")
        #expect(podSpec["dnsPolicy"] == "ClusterFirst")
        #expect(podSpec["schedulerName"] == "default-scheduler")
        #expect(podSpec["terminationGracePeriodSeconds"] == 30)
        #expect(podSpec["securityContext"] == .object([:]))
        // enableServiceLinks is a Pod default, not a PodSpec one: templates do not get it.
        #expect(podSpec["enableServiceLinks"].isNull)
        let container = podSpec["containers"][0]
        #expect(container["imagePullPolicy"] == "Always")
        #expect(container["terminationMessagePath"] == "/dev/termination-log")
        #expect(container["terminationMessagePolicy"] == "File")
        #expect(container["resources"] == .object([:]))
        #expect(container["ports"][0]["protocol"] == "TCP")
    }

    @Test func explicitDeploymentValuesAreKept() throws {
        var text = Manifests.deployment
        text = text.replacingFirst(#""spec":{"selector""#, with: #""spec":{"replicas":3,"strategy":{"type":"Recreate"},"selector""#)
        let result = try admit(text, Kinds.deployment)
        #expect(result.causes.isEmpty)
        #expect(result.object["spec"]["replicas"] == 3)
        #expect(result.object["spec"]["strategy"] == ["type": "Recreate"])
    }

    @Test(arguments: [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.27", "IfNotPresent"),
        ("registry.local:5000/team/app", "Always"),
        ("registry.local:5000/team/app:v2", "IfNotPresent"),
        ("nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "IfNotPresent"),
        ("nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "Always"),
    ])
    func imagePullPolicy(image: String, expected: String) throws {
        let text = #"{"metadata":{"name":"p","namespace":"default"},"spec":{"containers":[{"name":"c","image":"\#(image)"}]}}"#
        let result = try admit(text, Kinds.pod)
        #expect(result.causes.isEmpty)
        #expect(result.object["spec"]["containers"][0]["imagePullPolicy"] == .string(expected))
    }

    @Test func explicitPullPolicyIsKept() throws {
        let text = #"{"metadata":{"name":"p","namespace":"default"},"spec":{"containers":[{"name":"c","image":"nginx","imagePullPolicy":"Never"}]}}"#
        #expect(try admit(text, Kinds.pod).object["spec"]["containers"][0]["imagePullPolicy"] == "Never")
    }

    @Test func podDefaultsStatusAndQoS() throws {
        let result = try admit(Manifests.pod, Kinds.pod)
        #expect(result.causes.isEmpty)
        let spec = result.object["spec"]
        #expect(spec["enableServiceLinks"] == true)
        #expect(spec["preemptionPolicy"] == "PreemptLowerPriority")
        #expect(spec["volumes"][0]["configMap"]["defaultMode"] == 420)
        #expect(spec["volumes"][1]["emptyDir"] == .object([:]))
        let probe = spec["containers"][0]["readinessProbe"]
        #expect(probe["timeoutSeconds"] == 1)
        #expect(probe["periodSeconds"] == 10)
        #expect(probe["successThreshold"] == 1)
        #expect(probe["failureThreshold"] == 3)
        #expect(probe["httpGet"]["scheme"] == "HTTP")
        #expect(spec["containers"][0]["env"][1]["valueFrom"]["fieldRef"]["apiVersion"] == "v1")
        #expect(result.object["status"] == ["phase": "Pending", "qosClass": "Burstable"])
    }

    @Test(arguments: [
        (#"{}"#, "BestEffort"),
        (#"{"limits":{"cpu":"1","memory":"1Gi"}}"#, "Guaranteed"),
        (#"{"requests":{"cpu":"1000m","memory":"1Gi"},"limits":{"cpu":"1","memory":"1024Mi"}}"#, "Guaranteed"),
        (#"{"requests":{"cpu":"100m"}}"#, "Burstable"),
    ])
    func qosClass(resources: String, expected: String) throws {
        let text = #"{"metadata":{"name":"p","namespace":"default"},"spec":{"containers":[{"name":"c","image":"busybox","resources":\#(resources)}]}}"#
        #expect(try admit(text, Kinds.pod).object["status"]["qosClass"] == .string(expected))
    }

    @Test func requestsDefaultToLimitsAndQuantitiesAreCanonical() throws {
        let text = #"{"metadata":{"name":"p","namespace":"default"},"spec":{"containers":[{"name":"c","image":"busybox","resources":{"limits":{"cpu":"1000m","memory":"0.5Gi"}}}]}}"#
        let resources = try admit(text, Kinds.pod).object["spec"]["containers"][0]["resources"]
        #expect(resources["limits"] == ["cpu": "1", "memory": "512Mi"])
        #expect(resources["requests"] == ["cpu": "1", "memory": "512Mi"])
    }

    @Test func serviceDefaults() throws {
        let result = try admit(Manifests.service, Kinds.service)
        #expect(result.causes.isEmpty)
        let spec = result.object["spec"]
        #expect(spec["type"] == "ClusterIP")
        #expect(spec["sessionAffinity"] == "None")
        #expect(spec["internalTrafficPolicy"] == "Cluster")
        #expect(spec["ipFamilyPolicy"] == "SingleStack")
        #expect(spec["ipFamilies"] == ["IPv4"])
        #expect(spec["externalTrafficPolicy"].isNull)
        #expect(spec["ports"][0]["protocol"] == "TCP")
        #expect(spec["ports"][0]["targetPort"] == 8080)
        // targetPort defaults to port.
        #expect(spec["ports"][1]["targetPort"] == 9090)
    }

    @Test func nodePortServiceGetsExternalTrafficPolicy() throws {
        let text = #"{"metadata":{"name":"web","namespace":"default"},"spec":{"type":"NodePort","ports":[{"port":80,"targetPort":"http"}]}}"#
        let spec = try admit(text, Kinds.service).object["spec"]
        #expect(spec["externalTrafficPolicy"] == "Cluster")
        #expect(spec["ports"][0]["targetPort"] == "http")
    }

    @Test func secretStringDataIsMergedAsBase64() throws {
        let result = try admit(Manifests.secret, Kinds.secret)
        #expect(result.causes.isEmpty)
        #expect(result.object["type"] == "Opaque")
        #expect(result.object["data"] == ["password": "czNjcjN0", "username": "YWRtaW4="])
        #expect(result.object.objectValue?["stringData"] == nil)
    }

    @Test func namespaceDefaults() throws {
        let result = try admit(#"{"metadata":{"name":"team-a"}}"#, Kinds.namespace)
        #expect(result.causes.isEmpty)
        #expect(result.object["metadata"]["labels"] == ["kubernetes.io/metadata.name": "team-a"])
        #expect(result.object["spec"]["finalizers"] == ["kubernetes"])
        #expect(result.object["status"] == ["phase": "Active"])
    }

    @Test func jobDefaultsAndGeneratedSelector() throws {
        let result = try admit(Manifests.job, Kinds.job)
        #expect(result.causes.isEmpty)
        let spec = result.object["spec"]
        #expect(spec["parallelism"] == 1)
        #expect(spec["completions"] == 1)
        #expect(spec["backoffLimit"] == 6)
        #expect(spec["completionMode"] == "NonIndexed")
        #expect(spec["suspend"] == false)
        #expect(spec["podReplacementPolicy"] == "TerminatingOrFailed")
        let uid = "6f1c0b52-3c1e-4a53-9d36-1b8e2d6f0a11"
        #expect(spec["selector"] == ["matchLabels": ["batch.kubernetes.io/controller-uid": .string(uid)]])
        let labels = spec["template"]["metadata"]["labels"]
        #expect(labels["controller-uid"] == .string(uid))
        #expect(labels["batch.kubernetes.io/controller-uid"] == .string(uid))
        #expect(labels["job-name"] == "pi")
        #expect(labels["batch.kubernetes.io/job-name"] == "pi")
    }

    @Test func cronJobDefaults() throws {
        let result = try admit(Manifests.cronJob, Kinds.cronJob)
        #expect(result.causes.isEmpty)
        let spec = result.object["spec"]
        #expect(spec["concurrencyPolicy"] == "Allow")
        #expect(spec["suspend"] == false)
        #expect(spec["successfulJobsHistoryLimit"] == 3)
        #expect(spec["failedJobsHistoryLimit"] == 1)
        // The job template's JobSpec is not defaulted (upstream has no defaulter for it); its pod spec is.
        #expect(spec["jobTemplate"]["spec"]["backoffLimit"].isNull)
        #expect(spec["jobTemplate"]["spec"]["template"]["spec"]["dnsPolicy"] == "ClusterFirst")
    }

    @Test func statefulSetAndDaemonSetDefaults() throws {
        let template = #""selector":{"matchLabels":{"app":"db"}},"template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"db","image":"postgres:16"}]}}"#
        let sts = try admit(#"{"metadata":{"name":"db","namespace":"default"},"spec":{"serviceName":"db",\#(template)}}"#, Kinds.statefulSet)
        #expect(sts.causes.isEmpty)
        #expect(sts.object["spec"]["replicas"] == 1)
        #expect(sts.object["spec"]["podManagementPolicy"] == "OrderedReady")
        #expect(sts.object["spec"]["updateStrategy"] == ["type": "RollingUpdate", "rollingUpdate": ["partition": 0]])
        #expect(sts.object["spec"]["revisionHistoryLimit"] == 10)
        #expect(sts.object["spec"]["persistentVolumeClaimRetentionPolicy"] == ["whenDeleted": "Retain", "whenScaled": "Retain"])

        let ds = try admit(#"{"metadata":{"name":"agent","namespace":"default"},"spec":{\#(template)}}"#, Kinds.daemonSet)
        #expect(ds.causes.isEmpty)
        #expect(ds.object["spec"]["updateStrategy"] == ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": 1, "maxSurge": 0]])
        #expect(ds.object["spec"]["revisionHistoryLimit"] == 10)
    }

    @Test func roleBindingDefaultsAPIGroups() throws {
        let text = #"{"metadata":{"name":"read","namespace":"default"},"roleRef":{"kind":"Role","name":"reader"},"subjects":[{"kind":"User","name":"alice"},{"kind":"ServiceAccount","name":"bot","namespace":"default"}]}"#
        let result = try admit(text, Kinds.roleBinding)
        #expect(result.causes.isEmpty)
        #expect(result.object["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io")
        #expect(result.object["subjects"][0]["apiGroup"] == "rbac.authorization.k8s.io")
        #expect(result.object["subjects"][1]["apiGroup"].isNull)
    }

    @Test func nonObjectBodyIsRejectedNotCrashed() throws {
        var body: JSON = ["not", "an", "object"]
        let causes = Admission.defaultAndValidate(&body, gvk: Kinds.pod, operation: .create, old: nil)
        #expect(causes.count == 1)
        var wrongTypes = try JSON(parsing: #"{"metadata":"x","spec":{"containers":"nope","volumes":7}}"#)
        let more = Admission.defaultAndValidate(&wrongTypes, gvk: Kinds.pod, operation: .create, old: nil)
        #expect(more.contains { $0.field == "spec.containers" && $0.reason == "FieldValueRequired" })
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
