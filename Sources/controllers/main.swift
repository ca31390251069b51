// swiftlet-controllers: the command lives in ControllersEntry, shared with the multi-call binary.
import ControllersEntry

await ControllersCommand.main()
