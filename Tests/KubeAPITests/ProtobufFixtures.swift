// Request bodies captured from kubectl v1.32.4 (Content-Type: application/vnd.kubernetes.protobuf)
// with Tests/Fixtures/capture_kubectl_protobuf.py. Each comment is the kubectl command line
// (after `kubectl --server http://127.0.0.1:PORT --validate=false`). Base64 of the raw body.

enum KubectlProtobufFixtures {
    /// `create deployment web --image=nginx:1.25 --replicas=3 --port=80`
    static let createDeployment = """
        azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50Er0BCh8KA3dlYhIAGgAiACoAMgA4AEIAWgoKA2FwcBIDd2ViEosBCAMSDAoK
        CgNhcHASA3dlYhpxChwKABIAGgAiACoAMgA4AEIAWgoKA2FwcBIDd2ViElESMwoFbmdpbngSCm5naW54OjEuMjUqADIKCgAQ
        ABhQIgAqAEIAagByAIABAIgBAJABAKIBABoAMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAiAgoAKAA4ABoMCAAQABgAIAAo
        ADgAGgAiAA==
        """
    /// `create namespace ns1`
    static let createNamespace = "azhzAAoPCgJ2MRIJTmFtZXNwYWNlEhsKEwoDbnMxEgAaACIAKgAyADgAQgASABoCCgAaACIA"
    /// `create configmap cm --from-literal=a=b --from-literal=greeting='hello world'`
    static let createConfigMap = """
        azhzAAoPCgJ2MRIJQ29uZmlnTWFwEjUKEgoCY20SABoAIgAqADIAOABCABIGCgFhEgFiEhcKCGdyZWV0aW5nEgtoZWxsbyB3
        b3JsZBoAIgA=
        """
    /// `create secret generic s --from-literal=k=v --from-literal=pw='s3cr3t!'`
    static let createSecretGeneric = "azhzAAoMCgJ2MRIGU2VjcmV0EiwKEQoBcxIAGgAiACoAMgA4AEIAEgYKAWsSAXYSDQoCcHcSB3MzY3IzdCEaABoAIgA="
    /// `create service clusterip svc --tcp=80:8080 --tcp=443:8443`
    static let createServiceClusterIP = """
        azhzAAoNCgJ2MRIHU2VydmljZRKIAQofCgNzdmMSABoAIgAqADIAOABCAFoKCgNhcHASA3N2YxJhChsKBzgwLTgwODASA1RD
        UBhQIgcIABCQPxoAKAAKHQoINDQzLTg0NDMSA1RDUBi7AyIHCAAQ+0EaACgAEgoKA2FwcBIDc3ZjGgAiCUNsdXN0ZXJJUDoA
        QgBSAFoAYABoABoCCgAaACIA
        """
    /// `create job j --image=busybox -- echo hi`
    static let createJob = """
        azhzAAoPCghiYXRjaC92MRIDSm9iEoIBChEKAWoSABoAIgAqADIAOABCABJjMmEKEAoAEgAaACIAKgAyADgAQgASTRIqCgFq
        EgdidXN5Ym94GgRlY2hvGgJoaSoAQgBqAHIAgAEAiAEAkAEAogEAGgVOZXZlcjIAQgBKAFIAWABgAGgAggEAigEAmgEAwgEA
        GgggACgAMAA6ABoAIgA=
        """
    /// `create cronjob c --image=busybox --schedule='*/5 * * * *' -- echo hi`
    static let createCronJob = """
        azhzAAoTCghiYXRjaC92MRIHQ3JvbkpvYhKlAQoRCgFjEgAaACIAKgAyADgAQgASjQEKCyovNSAqICogKiAqGgAqfAoRCgFj
        EgAaACIAKgAyADgAQgASZzJlChAKABIAGgAiACoAMgA4AEIAElESKgoBYxIHYnVzeWJveBoEZWNobxoCaGkqAEIAagByAIAB
        AIgBAJABAKIBABoJT25GYWlsdXJlMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAaABoAIgA=
        """
    /// `create service externalname ext --external-name=example.com`
    static let createServiceExternalName = """
        azhzAAoNCgJ2MRIHU2VydmljZRJaCh8KA2V4dBIAGgAiACoAMgA4AEIAWgoKA2FwcBIDZXh0EjMSCgoDYXBwEgNleHQaACIM
        RXh0ZXJuYWxOYW1lOgBCAFILZXhhbXBsZS5jb21aAGAAaAAaAgoAGgAiAA==
        """
    /// `create service nodeport np --tcp=5678:8080 --node-port=30080`
    static let createServiceNodePort = """
        azhzAAoNCgJ2MRIHU2VydmljZRJqCh0KAm5wEgAaACIAKgAyADgAQgBaCQoDYXBwEgJucBJFCiAKCTU2NzgtODA4MBIDVENQ
        GK4sIgcIABCQPxoAKIDrARIJCgNhcHASAm5wGgAiCE5vZGVQb3J0OgBCAFIAWgBgAGgAGgIKABoAIgA=
        """
    /// `create secret docker-registry reg --docker-server=r.io --docker-username=u --docker-password=p`
    static let createSecretDockerRegistry = """
        azhzAAoMCgJ2MRIGU2VjcmV0EowBChMKA3JlZxIAGgAiACoAMgA4AEIAElUKES5kb2NrZXJjb25maWdqc29uEkB7ImF1dGhz
        Ijp7InIuaW8iOnsidXNlcm5hbWUiOiJ1IiwicGFzc3dvcmQiOiJwIiwiYXV0aCI6ImRUcHcifX19Gh5rdWJlcm5ldGVzLmlv
        L2RvY2tlcmNvbmZpZ2pzb24aACIA
        """
    /// `create token default --audience=api --duration=1h --bound-object-kind=Pod --bound-object-name=p1 --bound-object-uid=1234`
    static let createToken = """
        azhzAAooChhhdXRoZW50aWNhdGlvbi5rOHMuaW8vdjESDFRva2VuUmVxdWVzdBI3ChAKABIAGgAiACoAMgA4AEIAEh0KA2Fw
        aRoTCgNQb2QSAnYxGgJwMSIEMTIzNCCQHBoECgASABoAIgA=
        """
    /// `auth can-i create pods -n team`
    static let authCanICreatePods = """
        azhzAAoyChdhdXRob3JpemF0aW9uLms4cy5pby92MRIXU2VsZlN1YmplY3RBY2Nlc3NSZXZpZXcSPAoQCgASABoAIgAqADIA
        OABCABIeChwKBHRlYW0SBmNyZWF0ZRoAIgAqBHBvZHMyADoAGggIABIAGgAgABoAIgA=
        """
    /// `auth can-i get /healthz`
    static let authCanIGetHealthz = """
        azhzAAoyChdhdXRob3JpemF0aW9uLms4cy5pby92MRIXU2VsZlN1YmplY3RBY2Nlc3NSZXZpZXcSLwoQCgASABoAIgAqADIA
        OABCABIREg8KCC9oZWFsdGh6EgNnZXQaCAgAEgAaACAAGgAiAA==
        """
    /// `auth can-i list deployments.apps --subresource=scale`
    static let authCanIListScale = """
        azhzAAoyChdhdXRob3JpemF0aW9uLms4cy5pby92MRIXU2VsZlN1YmplY3RBY2Nlc3NSZXZpZXcSTQoQCgASABoAIgAqADIA
        OABCABIvCi0KB2RlZmF1bHQSBGxpc3QaBGFwcHMiACoLZGVwbG95bWVudHMyBXNjYWxlOgAaCAgAEgAaACAAGgAiAA==
        """
    /// `create serviceaccount sa1`
    static let createServiceAccount = "azhzAAoUCgJ2MRIOU2VydmljZUFjY291bnQSFQoTCgNzYTESABoAIgAqADIAOABCABoAIgA="
    /// `create role r1 --verb=get,list --resource=pods`
    static let createRole = """
        azhzAAokChxyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvL3YxEgRSb2xlEikKEgoCcjESABoAIgAqADIAOABCABITCgNnZXQK
        BGxpc3QSABoEcG9kcxoAIgA=
        """
    /// `create rolebinding rb1 --role=r1 --serviceaccount=default:sa1 --user=alice`
    static let createRoleBinding = """
        azhzAAorChxyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvL3YxEgtSb2xlQmluZGluZxKKAQoTCgNyYjESABoAIgAqADIAOABC
        ABIqCgRVc2VyEhlyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvGgVhbGljZSIAEiAKDlNlcnZpY2VBY2NvdW50EgAaA3NhMSIH
        ZGVmYXVsdBolChlyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvEgRSb2xlGgJyMRoAIgA=
        """
    /// `create clusterrole cr1 --verb=get --non-resource-url=/logs`
    static let createClusterRole = """
        azhzAAorChxyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvL3YxEgtDbHVzdGVyUm9sZRIjChMKA2NyMRIAGgAiACoAMgA4AEIA
        EgwKA2dldCoFL2xvZ3MaACIA
        """
    /// `create clusterrolebinding crb1 --clusterrole=cr1 --group=devs`
    static let createClusterRoleBinding = """
        azhzAAoyChxyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvL3YxEhJDbHVzdGVyUm9sZUJpbmRpbmcScQoUCgRjcmIxEgAaACIA
        KgAyADgAQgASKgoFR3JvdXASGXJiYWMuYXV0aG9yaXphdGlvbi5rOHMuaW8aBGRldnMiABotChlyYmFjLmF1dGhvcml6YXRp
        b24uazhzLmlvEgtDbHVzdGVyUm9sZRoDY3IxGgAiAA==
        """
    /// `create quota q1 --hard=cpu=1,memory=1G,pods=2`
    static let createQuota = """
        azhzAAoTCgJ2MRINUmVzb3VyY2VRdW90YRJBChIKAnExEgAaACIAKgAyADgAQgASKQoKCgNjcHUSAwoBMQoOCgZtZW1vcnkS
        BAoCMUcKCwoEcG9kcxIDCgEyGgAaACIA
        """
    /// `create pdb pdb1 --selector=app=web --min-available=1`
    static let createPDB = """
        azhzAAogCglwb2xpY3kvdjESE1BvZERpc3J1cHRpb25CdWRnZXQSOgoUCgRwZGIxEgAaACIAKgAyADgAQgASFgoGCAAQARoA
        EgwKCgoDYXBwEgN3ZWIaCggAGAAgACgAMAAaACIA
        """
    /// `create priorityclass pc1 --value=1000 --description=high`
    static let createPriorityClass = """
        azhzAAolChRzY2hlZHVsaW5nLms4cy5pby92MRINUHJpb3JpdHlDbGFzcxI2ChMKA3BjMRIAGgAiACoAMgA4AEIAEOgHGAAi
        BGhpZ2gqFFByZWVtcHRMb3dlclByaW9yaXR5GgAiAA==
        """
    /// `create ingress ing1 --rule="foo.com/bar=svc1:8080"`
    static let createIngress = """
        azhzAAofChRuZXR3b3JraW5nLms4cy5pby92MRIHSW5ncmVzcxJLChQKBGluZzESABoAIgAqADIAOABCABIvGi0KB2Zvby5j
        b20SIgogCh4KBC9iYXISDyINCgRzdmMxEgUKABCQPxoFRXhhY3QaAgoAGgAiAA==
        """
}
