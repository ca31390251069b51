// swiftlet-proxy: the command lives in ProxyEntry, shared with the multi-call binary.
import ArgumentParser
import ProxyEntry

// From an async function: in top-level code, `await ProxyCommand.main()` resolves to ParsableCommand's
// synchronous main, which refuses to run an asynchronous command.
func run(_ command: any AsyncParsableCommand.Type) async { await command.main() }
await run(ProxyCommand.self)
