// swiftlet-proxy: the command lives in ProxyEntry, shared with the multi-call binary.
import ProxyEntry

await ProxyCommand.main()
