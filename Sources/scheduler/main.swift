// swiftlet-scheduler: the command lives in SchedulerEntry, shared with the multi-call binary.
import ArgumentParser
import SchedulerEntry

// From an async function: in top-level code, `await SchedulerCommand.main()` resolves to ParsableCommand's
// synchronous main, which refuses to run an asynchronous command.
func run(_ command: any AsyncParsableCommand.Type) async { await command.main() }
await run(SchedulerCommand.self)
