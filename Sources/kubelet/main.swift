// swiftlet-kubelet: the command lives in KubeletEntry, shared with the multi-call binary.
import ArgumentParser
import KubeletEntry

// From an async function: in top-level code, `await KubeletCommand.main()` resolves to ParsableCommand's
// synchronous main, which refuses to run an asynchronous command.
func run(_ command: any AsyncParsableCommand.Type) async { await command.main() }
await run(KubeletCommand.self)
