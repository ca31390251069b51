/// Container validation of `pkg/apis/core/validation`: names, image, ports, env, mounts,
/// probes, pull policy and resources.
enum ContainerValidation {
    static let portProtocols = ["SCTP", "TCP", "UDP"]

    /// `validateContainers`.
    static func validateContainers(_ containers: JSON, volumes: Set<String>, _ path: FieldPath, into errs: inout ErrorList) {
        let list = containers.array
        if list.isEmpty {
            errs.append(.required(path))
            return
        }
        var names = Set<String>()
        for (i, c) in list.enumerated() {
            let p = path.index(i)
            validateCommon(c, volumes: volumes, p, into: &errs)
            let name = c["name"].string
            if names.contains(name) { errs.append(.duplicate(p.child("name"), .string(name))) } else { names.insert(name) }
            validateProbe(c["livenessProbe"], p.child("livenessProbe"), mustSucceedOnce: true, into: &errs)
            validateProbe(c["readinessProbe"], p.child("readinessProbe"), mustSucceedOnce: false, into: &errs)
            validateProbe(c["startupProbe"], p.child("startupProbe"), mustSucceedOnce: true, into: &errs)
            if !c["restartPolicy"].isNull {
                errs.append(.forbidden(p.child("restartPolicy"), "may not be set for non-init containers"))
            }
        }
        checkHostPortConflicts(list, path, into: &errs)
    }

    /// `validateInitContainers`: names are unique across init and regular containers.
    static func validateInitContainers(_ containers: JSON, others: JSON, volumes: Set<String>, _ path: FieldPath,
                                       into errs: inout ErrorList) {
        var names = Set(others.array.map { $0["name"].string })
        for (i, c) in containers.array.enumerated() {
            let p = path.index(i)
            validateCommon(c, volumes: volumes, p, into: &errs)
            let name = c["name"].string
            if names.contains(name) { errs.append(.duplicate(p.child("name"), .string(name))) } else { names.insert(name) }
            if let policy = c["restartPolicy"].stringValue, policy != "Always" {
                errs.append(.notSupported(p.child("restartPolicy"), policy, ["Always"]))
            }
            if c["restartPolicy"].isNull {
                for probe in ["livenessProbe", "readinessProbe", "startupProbe", "lifecycle"] where !c[probe].isNull {
                    errs.append(.forbidden(p.child(probe), "may not be set for init containers without restartPolicy=Always"))
                }
            }
        }
    }

    /// `validateContainerCommon`.
    static func validateCommon(_ c: JSON, volumes: Set<String>, _ p: FieldPath, into errs: inout ErrorList) {
        let name = c["name"].string
        if name.isEmpty {
            errs.append(.required(p.child("name")))
        } else {
            errs.check(p.child("name"), name, NameValidation.isDNS1123Label(name))
        }
        if c["image"].string.isEmpty { errs.append(.required(p.child("image"))) }
        let tmp = c["terminationMessagePolicy"].string
        switch tmp {
        case "File", "FallbackToLogsOnError": break
        case "": errs.append(.required(p.child("terminationMessagePolicy")))
        default: errs.append(.notSupported(p.child("terminationMessagePolicy"), tmp, ["File", "FallbackToLogsOnError"]))
        }
        validatePorts(c["ports"], p.child("ports"), into: &errs)
        validateEnv(c["env"], p.child("env"), into: &errs)
        validateVolumeMounts(c["volumeMounts"], volumes: volumes, p.child("volumeMounts"), into: &errs)
        let pull = c["imagePullPolicy"].string
        switch pull {
        case "Always", "IfNotPresent", "Never": break
        case "": errs.append(.required(p.child("imagePullPolicy")))
        default: errs.append(.notSupported(p.child("imagePullPolicy"), pull, ["Always", "IfNotPresent", "Never"]))
        }
        QuantityValidation.validateResourceRequirements(c["resources"], p.child("resources"), into: &errs)
    }

    /// `validateContainerPorts`.
    static func validatePorts(_ ports: JSON, _ path: FieldPath, into errs: inout ErrorList) {
        var names = Set<String>()
        for (i, port) in ports.array.enumerated() {
            let p = path.index(i)
            let name = port["name"].string
            if !name.isEmpty {
                let msgs = NameValidation.isValidPortName(name)
                if !msgs.isEmpty {
                    errs.check(p.child("name"), name, msgs)
                } else if names.contains(name) {
                    errs.append(.duplicate(p.child("name"), .string(name)))
                } else {
                    names.insert(name)
                }
            }
            let containerPort = port.int("containerPort") ?? 0
            if containerPort == 0 {
                errs.append(.required(p.child("containerPort")))
            } else {
                for m in NameValidation.isValidPortNum(containerPort) { errs.append(.invalid(p.child("containerPort"), .int(containerPort), m)) }
            }
            if let hostPort = port.int("hostPort"), hostPort != 0 {
                for m in NameValidation.isValidPortNum(hostPort) { errs.append(.invalid(p.child("hostPort"), .int(hostPort), m)) }
            }
            let proto = port["protocol"].string
            if proto.isEmpty {
                errs.append(.required(p.child("protocol")))
            } else if !portProtocols.contains(proto) {
                errs.append(.notSupported(p.child("protocol"), proto, portProtocols))
            }
        }
    }

    /// Two containers may not claim the same host port and protocol.
    static func checkHostPortConflicts(_ containers: [JSON], _ path: FieldPath, into errs: inout ErrorList) {
        var seen = Set<String>()
        for (ci, c) in containers.enumerated() {
            for (pi, port) in c["ports"].array.enumerated() {
                guard let hostPort = port.int("hostPort"), hostPort != 0 else { continue }
                let key = "\(port["hostIP"].string)/\(hostPort)/\(port["protocol"].string)"
                if seen.contains(key) {
                    errs.append(.duplicate(path.index(ci).child("ports").index(pi).child("hostPort"), .raw(key)))
                }
                seen.insert(key)
            }
        }
    }

    /// `ValidateEnv` with relaxed names (the v1.32 default).
    static func validateEnv(_ env: JSON, _ path: FieldPath, into errs: inout ErrorList) {
        for (i, e) in env.array.enumerated() {
            let p = path.index(i)
            let name = e["name"].string
            if name.isEmpty {
                errs.append(.required(p.child("name")))
            } else {
                errs.check(p.child("name"), name, NameValidation.isRelaxedEnvVarName(name))
            }
            let from = e["valueFrom"]
            guard from.isObject else { continue }
            let vp = p.child("valueFrom")
            let sources = ["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"].filter { !from[$0].isNull }
            if sources.isEmpty {
                errs.append(.invalid(vp, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
                continue
            }
            if !e["value"].string.isEmpty {
                errs.append(.invalid(vp, "", "may not be specified when `value` is not empty"))
            } else if sources.count > 1 {
                errs.append(.invalid(vp, "", "may not have more than one field specified at a time"))
                continue
            }
            for ref in ["configMapKeyRef", "secretKeyRef"] where !from[ref].isNull {
                let rp = vp.child(ref)
                let refName = from[ref]["name"].string
                errs.check(rp.child("name"), refName, NameValidation.isDNS1123Subdomain(refName))
                let key = from[ref]["key"].string
                if key.isEmpty { errs.append(.required(rp.child("key"))) } else { errs.check(rp.child("key"), key, NameValidation.isConfigMapKey(key)) }
            }
            if !from["fieldRef"].isNull, from["fieldRef"]["fieldPath"].string.isEmpty {
                errs.append(.required(vp.child("fieldRef", "fieldPath")))
            }
            if !from["resourceFieldRef"].isNull, from["resourceFieldRef"]["resource"].string.isEmpty {
                errs.append(.required(vp.child("resourceFieldRef", "resource")))
            }
        }
    }

    /// `ValidateVolumeMounts`: each mount names a volume of the pod and has a unique path.
    static func validateVolumeMounts(_ mounts: JSON, volumes: Set<String>, _ path: FieldPath, into errs: inout ErrorList) {
        var mountPoints = Set<String>()
        for (i, m) in mounts.array.enumerated() {
            let p = path.index(i)
            let name = m["name"].string
            if name.isEmpty { errs.append(.required(p.child("name"))) }
            if !volumes.contains(name) { errs.append(.notFound(p.child("name"), .string(name))) }
            let mountPath = m["mountPath"].string
            if mountPath.isEmpty { errs.append(.required(p.child("mountPath"))) }
            if mountPoints.contains(mountPath) { errs.append(.invalid(p.child("mountPath"), mountPath, "must be unique")) }
            mountPoints.insert(mountPath)
            let subPath = m["subPath"].string
            if !subPath.isEmpty {
                if subPath.hasPrefix("/") {
                    errs.append(.invalid(p.child("subPath"), subPath, "must be a relative path"))
                } else if subPath.split(separator: "/").contains("..") {
                    errs.append(.invalid(p.child("subPath"), subPath, "must not contain '..'"))
                }
            }
        }
    }

    /// `validateProbe` plus the liveness/startup rule that successThreshold must be 1.
    static func validateProbe(_ probe: JSON, _ path: FieldPath, mustSucceedOnce: Bool, into errs: inout ErrorList) {
        guard probe.isObject else { return }
        validateHandler(probe, path, into: &errs)
        for key in ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"] {
            errs.nonNegative(path.child(key), probe.int(key))
        }
        if let grace = probe.int("terminationGracePeriodSeconds"), grace <= 0 {
            errs.append(.invalid(path.child("terminationGracePeriodSeconds"), .int(grace), "must be greater than 0"))
        }
        if mustSucceedOnce, let s = probe.int("successThreshold"), s != 1 {
            errs.append(.invalid(path.child("successThreshold"), .int(s), "must be 1"))
        }
    }

    static func validateHandler(_ handler: JSON, _ path: FieldPath, into errs: inout ErrorList) {
        let kinds = ["exec", "httpGet", "tcpSocket", "grpc"].filter { !handler[$0].isNull }
        if kinds.isEmpty {
            errs.append(.required(path, "must specify a handler type"))
            return
        }
        if kinds.count > 1 {
            errs.append(.forbidden(path.child(kinds[1]), "may not specify more than 1 handler type"))
            return
        }
        let h = handler[kinds[0]]
        let hp = path.child(kinds[0])
        switch kinds[0] {
        case "exec":
            if h["command"].array.isEmpty { errs.append(.required(hp.child("command"))) }
        case "httpGet":
            if h["path"].string.isEmpty { errs.append(.required(hp.child("path"))) }
            validatePortNumOrName(h["port"], hp.child("port"), into: &errs)
            let scheme = h["scheme"].string
            if !["HTTP", "HTTPS"].contains(scheme) { errs.append(.notSupported(hp.child("scheme"), scheme, ["HTTP", "HTTPS"])) }
        case "tcpSocket":
            validatePortNumOrName(h["port"], hp.child("port"), into: &errs)
        case "grpc":
            let port = h.int("port") ?? 0
            for m in NameValidation.isValidPortNum(port) { errs.append(.invalid(hp.child("port"), .int(port), m)) }
        default: break
        }
    }

    /// `ValidatePortNumOrName` for an IntOrString.
    static func validatePortNumOrName(_ port: JSON, _ path: FieldPath, into errs: inout ErrorList) {
        if let s = port.stringValue {
            errs.check(path, s, NameValidation.isValidPortName(s))
        } else {
            let n = port.intValue ?? 0
            for m in NameValidation.isValidPortNum(n) { errs.append(.invalid(path, .int(n), m)) }
        }
    }
}
