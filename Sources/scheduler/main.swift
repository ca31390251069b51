// swiftlet-scheduler: the command lives in SchedulerEntry, shared with the multi-call binary.
import SchedulerEntry

await SchedulerCommand.main()
