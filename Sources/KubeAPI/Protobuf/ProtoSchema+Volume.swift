// Descriptors for api core/v1.
// Field numbers and names come from upstream generated.proto; `.emitZero` marks Go pointer fields
// and fields whose JSON tag lacks omitempty (see `ProtoOccurs`). Fields with no descriptor here
// (deprecated volume plugins, status-only types, alpha features) are skipped when decoding.

extension ProtoSchema {
    static let volumeMessages: [String: [ProtoField]] = [
        "core.Volume": [
            .f(1, "name", .string, .emitZero),
            .f(2, "volumeSource", .message("core.VolumeSource"), .inline),
        ],
        "core.VolumeSource": [
            .f(1, "hostPath", .message("core.HostPathVolumeSource"), .emitZero),
            .f(2, "emptyDir", .message("core.EmptyDirVolumeSource"), .emitZero),
            .f(5, "gitRepo", .message("core.GitRepoVolumeSource"), .emitZero),
            .f(6, "secret", .message("core.SecretVolumeSource"), .emitZero),
            .f(7, "nfs", .message("core.NFSVolumeSource"), .emitZero),
            .f(10, "persistentVolumeClaim", .message("core.PersistentVolumeClaimVolumeSource"), .emitZero),
            .f(16, "downwardAPI", .message("core.DownwardAPIVolumeSource"), .emitZero),
            .f(19, "configMap", .message("core.ConfigMapVolumeSource"), .emitZero),
            .f(26, "projected", .message("core.ProjectedVolumeSource"), .emitZero),
            .f(28, "csi", .message("core.CSIVolumeSource"), .emitZero),
            .f(30, "image", .message("core.ImageVolumeSource"), .emitZero),
        ],
        "core.EmptyDirVolumeSource": [
            .f(1, "medium"),
            .f(2, "sizeLimit", .quantity, .emitZero),
            .f(3, "mode", .int32, .emitZero),
        ],
        "core.HostPathVolumeSource": [
            .f(1, "path", .string, .emitZero),
            .f(2, "type", .string, .emitZero),
        ],
        "core.ConfigMapVolumeSource": [
            .f(1, "localObjectReference", .message("core.LocalObjectReference"), .inline),
            .f(2, "items", .message("core.KeyToPath"), .repeated),
            .f(3, "defaultMode", .int32, .emitZero),
            .f(4, "optional", .bool, .emitZero),
            .f(5, "defaultUser", .int64, .emitZero),
        ],
        "core.SecretVolumeSource": [
            .f(1, "secretName"),
            .f(2, "items", .message("core.KeyToPath"), .repeated),
            .f(3, "defaultMode", .int32, .emitZero),
            .f(4, "optional", .bool, .emitZero),
            .f(5, "defaultUser", .int64, .emitZero),
        ],
        "core.PersistentVolumeClaimVolumeSource": [
            .f(1, "claimName", .string, .emitZero),
            .f(2, "readOnly", .bool),
        ],
        "core.ProjectedVolumeSource": [
            .f(1, "sources", .message("core.VolumeProjection"), .repeated),
            .f(2, "defaultMode", .int32, .emitZero),
            .f(3, "defaultUser", .int64, .emitZero),
        ],
        "core.VolumeProjection": [
            .f(1, "secret", .message("core.SecretProjection"), .emitZero),
            .f(2, "downwardAPI", .message("core.DownwardAPIProjection"), .emitZero),
            .f(3, "configMap", .message("core.ConfigMapProjection"), .emitZero),
            .f(4, "serviceAccountToken", .message("core.ServiceAccountTokenProjection"), .emitZero),
        ],
        "core.ConfigMapProjection": [
            .f(1, "localObjectReference", .message("core.LocalObjectReference"), .inline),
            .f(2, "items", .message("core.KeyToPath"), .repeated),
            .f(4, "optional", .bool, .emitZero),
        ],
        "core.SecretProjection": [
            .f(1, "localObjectReference", .message("core.LocalObjectReference"), .inline),
            .f(2, "items", .message("core.KeyToPath"), .repeated),
            .f(4, "optional", .bool, .emitZero),
        ],
        "core.ServiceAccountTokenProjection": [
            .f(1, "audience"),
            .f(2, "expirationSeconds", .int64, .emitZero),
            .f(3, "path", .string, .emitZero),
            .f(4, "user", .int64, .emitZero),
        ],
        "core.DownwardAPIProjection": [
            .f(1, "items", .message("core.DownwardAPIVolumeFile"), .repeated),
        ],
        "core.DownwardAPIVolumeSource": [
            .f(1, "items", .message("core.DownwardAPIVolumeFile"), .repeated),
            .f(2, "defaultMode", .int32, .emitZero),
            .f(3, "defaultUser", .int64, .emitZero),
        ],
        "core.DownwardAPIVolumeFile": [
            .f(1, "path", .string, .emitZero),
            .f(2, "fieldRef", .message("core.ObjectFieldSelector"), .emitZero),
            .f(3, "resourceFieldRef", .message("core.ResourceFieldSelector"), .emitZero),
            .f(4, "mode", .int32, .emitZero),
            .f(5, "user", .int64, .emitZero),
        ],
        "core.KeyToPath": [
            .f(1, "key", .string, .emitZero),
            .f(2, "path", .string, .emitZero),
            .f(3, "mode", .int32, .emitZero),
            .f(4, "user", .int64, .emitZero),
        ],
        "core.NFSVolumeSource": [
            .f(1, "server", .string, .emitZero),
            .f(2, "path", .string, .emitZero),
            .f(3, "readOnly", .bool),
        ],
        "core.CSIVolumeSource": [
            .f(1, "driver", .string, .emitZero),
            .f(2, "readOnly", .bool, .emitZero),
            .f(3, "fsType", .string, .emitZero),
            .f(4, "volumeAttributes", .map(.string)),
            .f(5, "nodePublishSecretRef", .message("core.LocalObjectReference"), .emitZero),
        ],
        "core.GitRepoVolumeSource": [
            .f(1, "repository", .string, .emitZero),
            .f(2, "revision"),
            .f(3, "directory"),
        ],
        "core.ImageVolumeSource": [
            .f(1, "reference"),
            .f(2, "pullPolicy"),
        ],
    ]
}
