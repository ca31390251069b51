// swiftlet-dns: the command lives in DNSEntry, shared with the multi-call binary.
import DNSEntry

await DNSCommand.main()
