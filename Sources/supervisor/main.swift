// swiftlet: the command lives in SwiftletEntry, shared with the multi-call binary.
import SwiftletEntry

await SwiftletCommand.main()
