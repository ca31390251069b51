import Foundation
import Testing
@testable import NodeAgent

/// Which files container log rotation renames and deletes.
struct LogRotationTests {
    @Test func rotatedNamesCarryAUTCTimestamp() {
        let date = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18 11:06:40 UTC
        #expect(LogRotation.rotatedPath(of: "/logs/pod/main/0.log", at: date) == "/logs/pod/main/0.log.20261118-110640")
    }

    @Test func onlyThisLogsRotatedFilesCountOldestFirst() {
        let names = ["0.log", "0.log.20261118-102640", "0.log.20261118-092640.gz", "1.log.20261118-102640",
                     "0.log.tmp", "0.log.2026", "0.log.20261117-235959"]
        #expect(LogRotation.rotatedFiles(of: "/d/0.log", in: names)
                == ["/d/0.log.20261117-235959", "/d/0.log.20261118-092640.gz", "/d/0.log.20261118-102640"])
    }

    @Test(arguments: [(5, 0), (4, 1), (3, 2), (2, 3)])
    func excessKeepsRoomForTheNewRotationAndTheCurrentFile(maxFiles: Int, deleted: Int) {
        let rotated = ["/d/0.log.20261118-100000", "/d/0.log.20261118-100010", "/d/0.log.20261118-100020"]
        let excess = LogRotation.excess(rotated: rotated, maxFiles: maxFiles)
        #expect(excess == Array(rotated.prefix(deleted)))
    }
}
