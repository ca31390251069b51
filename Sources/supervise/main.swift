// swiftlet-supervisor: the daemon lives in SupervisorEntry, shared with the multi-call binary.
import SupervisorEntry

await SupervisorMain.main()
