// swiftlet: the command lives in SwiftletEntry, shared with the multi-call binary.
import ArgumentParser
import SwiftletEntry

// From an async function: in top-level code, `await SwiftletCommand.main()` resolves to ParsableCommand's
// synchronous main, which refuses to run an asynchronous command.
func run(_ command: any AsyncParsableCommand.Type) async { await command.main() }
await run(SwiftletCommand.self)
