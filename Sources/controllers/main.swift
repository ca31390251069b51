// swiftlet-controllers: the command lives in ControllersEntry, shared with the multi-call binary.
import ArgumentParser
import ControllersEntry

// From an async function: in top-level code, `await ControllersCommand.main()` resolves to ParsableCommand's
// synchronous main, which refuses to run an asynchronous command.
func run(_ command: any AsyncParsableCommand.Type) async { await command.main() }
await run(ControllersCommand.self)
