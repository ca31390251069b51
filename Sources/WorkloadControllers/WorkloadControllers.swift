/// WorkloadControllers: see the module's files.
