// swiftlet-dns: the command lives in DNSEntry, shared with the multi-call binary.
import ArgumentParser
import DNSEntry

// From an async function: in top-level code, `await DNSCommand.main()` resolves to ParsableCommand's
// synchronous main, which refuses to run an asynchronous command.
func run(_ command: any AsyncParsableCommand.Type) async { await command.main() }
await run(DNSCommand.self)
