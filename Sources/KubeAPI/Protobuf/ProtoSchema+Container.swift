// Descriptors for api core/v1.
// Field numbers and names come from upstream generated.proto; `.emitZero` marks Go pointer fields
// and fields whose JSON tag lacks omitempty (see `ProtoOccurs`). Fields with no descriptor here
// (deprecated volume plugins, status-only types, alpha features) are skipped when decoding.

extension ProtoSchema {
    static let containerMessages: [String: [ProtoField]] = [
        "core.Container": [
            .f(1, "name", .string, .emitZero),
            .f(2, "image"),
            .f(3, "command", .string, .repeated),
            .f(4, "args", .string, .repeated),
            .f(5, "workingDir"),
            .f(6, "ports", .message("core.ContainerPort"), .repeated),
            .f(7, "env", .message("core.EnvVar"), .repeated),
            .f(8, "resources", .message("core.ResourceRequirements")),
            .f(9, "volumeMounts", .message("core.VolumeMount"), .repeated),
            .f(10, "livenessProbe", .message("core.Probe"), .emitZero),
            .f(11, "readinessProbe", .message("core.Probe"), .emitZero),
            .f(12, "lifecycle", .message("core.Lifecycle"), .emitZero),
            .f(13, "terminationMessagePath"),
            .f(14, "imagePullPolicy"),
            .f(15, "securityContext", .message("core.SecurityContext"), .emitZero),
            .f(16, "stdin", .bool),
            .f(17, "stdinOnce", .bool),
            .f(18, "tty", .bool),
            .f(19, "envFrom", .message("core.EnvFromSource"), .repeated),
            .f(20, "terminationMessagePolicy"),
            .f(21, "volumeDevices", .message("core.VolumeDevice"), .repeated),
            .f(22, "startupProbe", .message("core.Probe"), .emitZero),
            .f(23, "resizePolicy", .message("core.ContainerResizePolicy"), .repeated),
            .f(24, "restartPolicy", .string, .emitZero),
        ],
        "core.ContainerPort": [
            .f(1, "name"),
            .f(2, "hostPort", .int32),
            .f(3, "containerPort", .int32, .emitZero),
            .f(4, "protocol"),
            .f(5, "hostIP"),
        ],
        "core.EnvVar": [
            .f(1, "name", .string, .emitZero),
            .f(2, "value"),
            .f(3, "valueFrom", .message("core.EnvVarSource"), .emitZero),
        ],
        "core.EnvVarSource": [
            .f(1, "fieldRef", .message("core.ObjectFieldSelector"), .emitZero),
            .f(2, "resourceFieldRef", .message("core.ResourceFieldSelector"), .emitZero),
            .f(3, "configMapKeyRef", .message("core.ConfigMapKeySelector"), .emitZero),
            .f(4, "secretKeyRef", .message("core.SecretKeySelector"), .emitZero),
        ],
        "core.ObjectFieldSelector": [
            .f(1, "apiVersion"),
            .f(2, "fieldPath", .string, .emitZero),
        ],
        "core.ResourceFieldSelector": [
            .f(1, "containerName"),
            .f(2, "resource", .string, .emitZero),
            .f(3, "divisor", .quantity),
        ],
        "core.ConfigMapKeySelector": [
            .f(1, "localObjectReference", .message("core.LocalObjectReference"), .inline),
            .f(2, "key", .string, .emitZero),
            .f(3, "optional", .bool, .emitZero),
        ],
        "core.SecretKeySelector": [
            .f(1, "localObjectReference", .message("core.LocalObjectReference"), .inline),
            .f(2, "key", .string, .emitZero),
            .f(3, "optional", .bool, .emitZero),
        ],
        "core.EnvFromSource": [
            .f(1, "prefix"),
            .f(2, "configMapRef", .message("core.ConfigMapEnvSource"), .emitZero),
            .f(3, "secretRef", .message("core.SecretEnvSource"), .emitZero),
        ],
        "core.ConfigMapEnvSource": [
            .f(1, "localObjectReference", .message("core.LocalObjectReference"), .inline),
            .f(2, "optional", .bool, .emitZero),
        ],
        "core.SecretEnvSource": [
            .f(1, "localObjectReference", .message("core.LocalObjectReference"), .inline),
            .f(2, "optional", .bool, .emitZero),
        ],
        "core.ResourceRequirements": [
            .f(1, "limits", .map(.quantity)),
            .f(2, "requests", .map(.quantity)),
            .f(3, "claims", .message("core.ResourceClaim"), .repeated),
        ],
        "core.ResourceClaim": [
            .f(1, "name", .string, .emitZero),
            .f(2, "request"),
        ],
        "core.VolumeMount": [
            .f(1, "name", .string, .emitZero),
            .f(2, "readOnly", .bool),
            .f(3, "mountPath", .string, .emitZero),
            .f(4, "subPath"),
            .f(5, "mountPropagation", .string, .emitZero),
            .f(6, "subPathExpr"),
            .f(7, "recursiveReadOnly", .string, .emitZero),
            .f(8, "bindMountOptions", .string, .repeated),
        ],
        "core.Probe": [
            .f(1, "handler", .message("core.ProbeHandler"), .inline),
            .f(2, "initialDelaySeconds", .int32),
            .f(3, "timeoutSeconds", .int32),
            .f(4, "periodSeconds", .int32),
            .f(5, "successThreshold", .int32),
            .f(6, "failureThreshold", .int32),
            .f(7, "terminationGracePeriodSeconds", .int64, .emitZero),
        ],
        "core.ProbeHandler": [
            .f(1, "exec", .message("core.ExecAction"), .emitZero),
            .f(2, "httpGet", .message("core.HTTPGetAction"), .emitZero),
            .f(3, "tcpSocket", .message("core.TCPSocketAction"), .emitZero),
            .f(4, "grpc", .message("core.GRPCAction"), .emitZero),
        ],
        "core.ExecAction": [
            .f(1, "command", .string, .repeated),
        ],
        "core.HTTPGetAction": [
            .f(1, "path"),
            .f(2, "port", .intOrString, .emitZero),
            .f(3, "host"),
            .f(4, "scheme"),
            .f(5, "httpHeaders", .message("core.HTTPHeader"), .repeated),
            .f(6, "protocol", .string, .emitZero),
        ],
        "core.HTTPHeader": [
            .f(1, "name", .string, .emitZero),
            .f(2, "value", .string, .emitZero),
        ],
        "core.TCPSocketAction": [
            .f(1, "port", .intOrString, .emitZero),
            .f(2, "host"),
        ],
        "core.GRPCAction": [
            .f(1, "port", .int32, .emitZero),
            .f(2, "service", .string, .emitZero),
            .f(3, "mode", .string, .emitZero),
        ],
        "core.SecurityContext": [
            .f(1, "capabilities", .message("core.Capabilities"), .emitZero),
            .f(2, "privileged", .bool, .emitZero),
            .f(3, "seLinuxOptions", .message("core.SELinuxOptions"), .emitZero),
            .f(4, "runAsUser", .int64, .emitZero),
            .f(5, "runAsNonRoot", .bool, .emitZero),
            .f(6, "readOnlyRootFilesystem", .bool, .emitZero),
            .f(7, "allowPrivilegeEscalation", .bool, .emitZero),
            .f(8, "runAsGroup", .int64, .emitZero),
            .f(9, "procMount", .string, .emitZero),
            .f(11, "seccompProfile", .message("core.SeccompProfile"), .emitZero),
            .f(12, "appArmorProfile", .message("core.AppArmorProfile"), .emitZero),
        ],
        "core.Capabilities": [
            .f(1, "add", .string, .repeated),
            .f(2, "drop", .string, .repeated),
        ],
        "core.SeccompProfile": [
            .f(1, "type", .string, .emitZero),
            .f(2, "localhostProfile", .string, .emitZero),
        ],
        "core.SELinuxOptions": [
            .f(1, "user"),
            .f(2, "role"),
            .f(3, "type"),
            .f(4, "level"),
        ],
        "core.ContainerResizePolicy": [
            .f(1, "resourceName", .string, .emitZero),
            .f(2, "restartPolicy", .string, .emitZero),
        ],
        "core.VolumeDevice": [
            .f(1, "name", .string, .emitZero),
            .f(2, "devicePath", .string, .emitZero),
        ],
        "core.AppArmorProfile": [
            .f(1, "type", .string, .emitZero),
            .f(2, "localhostProfile", .string, .emitZero),
        ],
        "core.Lifecycle": [
            .f(1, "postStart", .message("core.LifecycleHandler"), .emitZero),
            .f(2, "preStop", .message("core.LifecycleHandler"), .emitZero),
            .f(3, "stopSignal", .string, .emitZero),
        ],
        "core.LifecycleHandler": [
            .f(1, "exec", .message("core.ExecAction"), .emitZero),
            .f(2, "httpGet", .message("core.HTTPGetAction"), .emitZero),
            .f(3, "tcpSocket", .message("core.TCPSocketAction"), .emitZero),
            .f(4, "sleep", .message("core.SleepAction"), .emitZero),
        ],
        "core.SleepAction": [
            .f(1, "seconds", .int64, .emitZero),
        ],
    ]
}
