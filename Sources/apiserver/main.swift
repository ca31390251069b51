// swiftlet-apiserver: the command lives in APIServerEntry, shared with the multi-call binary.
import ArgumentParser
import APIServerEntry

// From an async function: in top-level code, `await APIServerCommand.main()` resolves to ParsableCommand's
// synchronous main, which refuses to run an asynchronous command.
func run(_ command: any AsyncParsableCommand.Type) async { await command.main() }
await run(APIServerCommand.self)
