/// batch/v1 Job and CronJob.
enum BatchAdmission {
    static let legacyJobNameLabel = "job-name"
    static let jobNameLabel = "batch.kubernetes.io/job-name"
    static let legacyControllerUIDLabel = "controller-uid"
    static let controllerUIDLabel = "batch.kubernetes.io/controller-uid"

    // MARK: Job

    /// `SetDefaults_Job`.
    static func setJobDefaults(_ job: inout JSON) {
        let templateLabels = job["spec"]["template"]["metadata"]["labels"]
        if templateLabels.isObject, job["metadata"]["labels"].object.isEmpty {
            job["metadata"]["labels"] = templateLabels
        }
        job.update("spec") { spec in
            if spec["completions"].isNull && spec["parallelism"].isNull {
                spec["completions"] = 1
                spec["parallelism"] = 1
            }
            spec.setDefault("parallelism", 1)
            if spec["backoffLimit"].isNull {
                spec["backoffLimit"] = spec["backoffLimitPerIndex"].isNull ? 6 : .int(Int64(Int32.max))
            }
            spec.setDefault("completionMode", "NonIndexed")
            spec.setDefault("suspend", false)
            spec.update("podFailurePolicy") { p in
                p.updateEach("rules") { r in r.updateEach("onPodConditions") { c in c.setDefaultIfEmpty("status", "True") } }
            }
            if spec["podReplacementPolicy"].isNull {
                spec["podReplacementPolicy"] = spec["podFailurePolicy"].isNull ? "TerminatingOrFailed" : "Failed"
            }
            WorkloadAdmission.defaultTemplate(&spec)
        }
    }

    /// Job strategy `PrepareForCreate`: unless `manualSelector` is true, label the template with the
    /// job's name and uid and select on the uid.
    static func generateSelector(_ job: inout JSON) {
        guard job["spec"]["manualSelector"].boolValue != true else { return }
        let name = JSON.string(job["metadata"]["name"].string)
        let uid = JSON.string(job["metadata"]["uid"].string)
        job.update("spec") { spec in
            var labels = spec["template"]["metadata"]["labels"].object
            for key in [legacyJobNameLabel, jobNameLabel] where labels[key] == nil { labels[key] = name }
            for key in [legacyControllerUIDLabel, controllerUIDLabel] where labels[key] == nil { labels[key] = uid }
            spec["template"]["metadata"]["labels"] = .object(labels)
            if !spec["selector"].isObject { spec["selector"] = .object([:]) }
            var matchLabels = spec["selector"]["matchLabels"].object
            if matchLabels[controllerUIDLabel] == nil { matchLabels[controllerUIDLabel] = uid }
            spec["selector"]["matchLabels"] = .object(matchLabels)
        }
    }

    static let job = KindRules(
        nameRule: .dns1123Subdomain,
        setDefaults: setJobDefaults,
        prepareForCreate: { job in
            generateSelector(&job)
            job["status"] = .object([:])
        },
        prepareForUpdate: { job, old in
        },
        validate: { job, _, errs in
            validateGeneratedSelector(job, into: &errs)
            validateJobSpec(job["spec"], FieldPath("spec"), into: &errs)
            let spec = job["spec"]
            if spec["selector"].isNull {
                errs.append(.required(FieldPath("spec", "selector")))
            } else {
                LabelSelectorValidation.validate(spec["selector"], FieldPath("spec", "selector"), into: &errs)
                LabelSelectorValidation.checkTemplateLabels(selector: spec["selector"], template: spec["template"],
                                                            FieldPath("spec", "template"), into: &errs)
            }
        },
        validateCreate: { job, errs in
            let spec = job["spec"]
            if spec["completionMode"].string == "Indexed", let completions = spec.int("completions"), completions > 0 {
                let name = job["metadata"]["name"].string
                let hostname = "\(name)-\(completions - 1)"
                if !NameValidation.isDNS1123Label(hostname).isEmpty {
                    errs.append(.invalid(FieldPath("metadata", "name"), name, "will not able to create pod with invalid DNS label: \(hostname)"))
                }
            }
        },
        validateUpdate: { job, old, errs in
            let sp = FieldPath("spec")
            errs.immutable(sp.child("selector"), new: job["spec"]["selector"], old: old["spec"]["selector"], render: GoRender.labelSelector)
            errs.immutable(sp.child("template"), new: job["spec"]["template"], old: old["spec"]["template"],
                           render: { .raw($0.jsonString) })
            if job["spec"]["completionMode"].string != "Indexed" {
                errs.immutable(sp.child("completions"), new: job["spec"]["completions"], old: old["spec"]["completions"])
            }
            errs.immutable(sp.child("completionMode"), new: job["spec"]["completionMode"], old: old["spec"]["completionMode"])
        }
    )

    /// When the selector is generated, the template labels must carry this job's uid.
    static func validateGeneratedSelector(_ job: JSON, into errs: inout ErrorList) {
        let spec = job["spec"]
        guard spec["manualSelector"].boolValue != true else { return }
        let labelsPath = FieldPath("spec", "template", "metadata", "labels")
        let labels = spec["template"]["metadata"]["labels"]
        if labels.isNull {
            errs.append(.required(labelsPath))
            return
        }
        let uid = job["metadata"]["uid"].string
        for key in [legacyControllerUIDLabel, controllerUIDLabel] {
            if let v = labels[key].stringValue, v != uid {
                errs.append(.invalid(labelsPath.key(key), .raw(GoSyntax.stringMap(labels.stringMap)), "must be '\(uid)'"))
            }
        }
        if let v = spec["selector"]["matchLabels"][controllerUIDLabel].stringValue, v != uid {
            errs.append(.invalid(FieldPath("spec", "selector").child("matchLabels").key(controllerUIDLabel), v, "must be '\(uid)'"))
        }
    }

    /// `validateJobSpec`: counts, completion mode, the template and its restart policy.
    static func validateJobSpec(_ spec: JSON, _ path: FieldPath, into errs: inout ErrorList) {
        for key in ["parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"] {
            errs.nonNegative(path.child(key), spec.int(key))
        }
        if let mode = spec["completionMode"].stringValue {
            if mode != "NonIndexed" && mode != "Indexed" {
                errs.append(.notSupported(path.child("completionMode"), mode, ["NonIndexed", "Indexed"]))
            }
            if mode == "Indexed" {
                if spec["completions"].isNull {
                    errs.append(.required(path.child("completions"), "when completion mode is Indexed"))
                }
                if let p = spec.int("parallelism"), p > 100_000 {
                    errs.append(.invalid(path.child("parallelism"), .int(p), "must be less than or equal to 100000 when completion mode is Indexed"))
                }
            }
        }
        if let policy = spec["podReplacementPolicy"].stringValue, !["TerminatingOrFailed", "Failed"].contains(policy) {
            errs.append(.notSupported(path.child("podReplacementPolicy"), policy, ["TerminatingOrFailed", "Failed"]))
        }
        let tp = path.child("template")
        PodValidation.validateTemplate(spec["template"], tp, into: &errs)
        let restart = spec["template"]["spec"]["restartPolicy"].string
        if restart == "Always" || restart.isEmpty {
            errs.append(.required(tp.child("spec", "restartPolicy"), "valid values: \"OnFailure\", \"Never\""))
        } else if restart != "OnFailure" && restart != "Never" {
            errs.append(.notSupported(tp.child("spec", "restartPolicy"), restart, ["OnFailure", "Never"]))
        }
    }

    // MARK: CronJob

    static let cronJob = KindRules(
        nameRule: .dns1123Subdomain,
        setDefaults: { cj in
            cj.update("spec") { spec in
                spec.setDefaultIfEmpty("concurrencyPolicy", "Allow")
                spec.setDefault("suspend", false)
                spec.setDefault("successfulJobsHistoryLimit", 3)
                spec.setDefault("failedJobsHistoryLimit", 1)
                spec.update("jobTemplate") { jt in jt.update("spec", WorkloadAdmission.defaultTemplate) }
            }
        },
        prepareForCreate: { cj in cj["status"] = .object([:]) },
        prepareForUpdate: { cj, old in
        },
        validate: { cj, context, errs in
            let spec = cj["spec"]
            let path = FieldPath("spec")
            let schedule = spec["schedule"].string
            if schedule.isEmpty {
                errs.append(.required(path.child("schedule")))
            } else {
                if let message = CronSchedule.validate(schedule) {
                    errs.append(.invalid(path.child("schedule"), schedule, message))
                }
                let allowTZ = context.old?["spec"]["schedule"].string.contains("TZ") ?? false
                if schedule.contains("TZ") {
                    if allowTZ {
                        if !spec["timeZone"].isNull {
                            errs.append(.invalid(path.child("schedule"), schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
                        }
                    } else {
                        errs.append(.invalid(path.child("schedule"), schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
                    }
                }
            }
            errs.nonNegative(path.child("startingDeadlineSeconds"), spec.int("startingDeadlineSeconds"))
            if let tz = spec["timeZone"].stringValue, tz.isEmpty || tz.hasPrefix("/") || tz.contains("..") || tz.contains(" ") {
                errs.append(.invalid(path.child("timeZone"), tz, tz.isEmpty ? "timeZone must be nil or non-empty string" : "unknown time zone \(tz)"))
            }
            let policy = spec["concurrencyPolicy"].string
            switch policy {
            case "Allow", "Forbid", "Replace": break
            case "": errs.append(.required(path.child("concurrencyPolicy")))
            default: errs.append(.notSupported(path.child("concurrencyPolicy"), policy, ["Allow", "Forbid", "Replace"]))
            }
            let jtPath = path.child("jobTemplate")
            let jobSpec = spec["jobTemplate"]["spec"]
            validateJobSpec(jobSpec, jtPath.child("spec"), into: &errs)
            if !jobSpec["selector"].isNull {
                errs.append(.invalid(jtPath.child("spec", "selector"), GoRender.labelSelector(jobSpec["selector"]), "`selector` will be auto-generated"))
            }
            if jobSpec["manualSelector"].boolValue == true {
                errs.append(.notSupported(jtPath.child("spec", "manualSelector"), .bool(true), ["nil", "false"]))
            }
            errs.nonNegative(path.child("successfulJobsHistoryLimit"), spec.int("successfulJobsHistoryLimit"))
            errs.nonNegative(path.child("failedJobsHistoryLimit"), spec.int("failedJobsHistoryLimit"))
        },
        validateCreate: { cj, errs in
            let name = cj["metadata"]["name"].string
            if name.utf8.count > 52 {
                errs.append(.invalid(FieldPath("metadata", "name"), name, "must be no more than 52 characters"))
            }
        }
    )
}
