/// SchedulerCore: see the module's files.
