// swiftlet-apiserver: the command lives in APIServerEntry, shared with the multi-call binary.
import APIServerEntry

await APIServerCommand.main()
