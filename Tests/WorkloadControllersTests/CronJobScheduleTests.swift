import Foundation
import KubeAPI
import Testing
@testable import WorkloadControllers

func utc(_ text: String) -> Date { Timestamp.parse(text)! }

struct CronJobScheduleTests {
    struct Case: Sendable, CustomStringConvertible {
        var schedule: String
        var zone = "UTC"
        var after: String
        var next: String?
        var description: String { "\(schedule) [\(zone)] after \(after)" }
    }

    static let cases: [Case] = [
        Case(schedule: "*/15 * * * *", after: "2024-01-01T00:00:00Z", next: "2024-01-01T00:15:00Z"),
        Case(schedule: "0 0 1 * *", after: "2024-01-15T00:00:00Z", next: "2024-02-01T00:00:00Z"),
        // Month ends: the 31st skips 30-day months; Feb 29 only in leap years.
        Case(schedule: "0 0 31 * *", after: "2024-04-01T00:00:00Z", next: "2024-05-31T00:00:00Z"),
        Case(schedule: "0 12 29 2 *", after: "2024-03-01T00:00:00Z", next: "2028-02-29T12:00:00Z"),
        Case(schedule: "0 0 30 2 *", after: "2024-01-01T00:00:00Z", next: nil),
        // Day-of-month and day-of-week are OR-ed when both are restricted (2024-01-05 is a Friday)...
        Case(schedule: "0 0 13 * 5", after: "2024-01-01T00:00:00Z", next: "2024-01-05T00:00:00Z"),
        Case(schedule: "0 0 13 * 5", after: "2024-01-12T00:00:00Z", next: "2024-01-13T00:00:00Z"),
        // ...AND-ed when either is a star, and a stepped star is not a star.
        Case(schedule: "0 0 13 * *", after: "2024-01-01T00:00:00Z", next: "2024-01-13T00:00:00Z"),
        Case(schedule: "0 0 ? * 1", after: "2024-01-01T00:00:00Z", next: "2024-01-08T00:00:00Z"),
        Case(schedule: "0 0 */2 * 1", after: "2024-01-01T00:00:00Z", next: "2024-01-03T00:00:00Z"),
        Case(schedule: "30 9-17/4 * * 1-5", after: "2024-01-05T17:30:00Z", next: "2024-01-08T09:30:00Z"),
        Case(schedule: "30 9-17/4 * * 1-5", after: "2024-01-08T09:30:00Z", next: "2024-01-08T13:30:00Z"),
        Case(schedule: "0 6 * jan,jul mon", after: "2024-01-30T00:00:00Z", next: "2024-07-01T06:00:00Z"),
        Case(schedule: "59 23 31 12 *", after: "2024-12-31T23:59:00Z", next: "2025-12-31T23:59:00Z"),
        Case(schedule: "@hourly", after: "2024-01-01T00:30:00Z", next: "2024-01-01T01:00:00Z"),
        Case(schedule: "@daily", after: "2024-01-01T00:00:00Z", next: "2024-01-02T00:00:00Z"),
        Case(schedule: "@weekly", after: "2024-01-01T00:00:00Z", next: "2024-01-07T00:00:00Z"),
        Case(schedule: "@monthly", after: "2024-01-01T00:00:00Z", next: "2024-02-01T00:00:00Z"),
        Case(schedule: "@yearly", after: "2024-01-01T00:00:00Z", next: "2025-01-01T00:00:00Z"),
        Case(schedule: "@every 1h30m", after: "2024-01-01T00:00:10Z", next: "2024-01-01T01:30:10Z"),
        // Time zones: fixed summer offset, a DST gap (02:30 does not exist on 2024-03-10 in New York,
        // so that day is skipped) and a DST overlap (01:30 happens twice on 2024-11-03).
        Case(schedule: "0 9 * * *", zone: "Europe/Berlin", after: "2024-07-01T00:00:00Z", next: "2024-07-01T07:00:00Z"),
        Case(schedule: "0 9 * * *", zone: "Europe/Berlin", after: "2024-01-01T00:00:00Z", next: "2024-01-01T08:00:00Z"),
        Case(schedule: "30 2 * * *", zone: "America/New_York", after: "2024-03-09T12:00:00Z", next: "2024-03-11T06:30:00Z"),
        Case(schedule: "30 1 * * *", zone: "America/New_York", after: "2024-11-03T04:00:00Z", next: "2024-11-03T05:30:00Z"),
        Case(schedule: "30 1 * * *", zone: "America/New_York", after: "2024-11-03T05:30:00Z", next: "2024-11-03T06:30:00Z"),
        Case(schedule: "30 1 * * *", zone: "America/New_York", after: "2024-11-03T06:30:00Z", next: "2024-11-04T06:30:00Z"),
        Case(schedule: "CRON_TZ=Asia/Tokyo 0 0 * * *", after: "2024-01-01T00:00:00Z", next: "2024-01-01T15:00:00Z"),
    ]

    @Test(arguments: cases)
    func nextActivation(_ c: Case) throws {
        let schedule = try CronJobSchedule(c.schedule, timeZone: ZoneInfo.load(c.zone)!)
        #expect(schedule.next(after: utc(c.after)) == c.next.map(utc))
    }

    @Test(arguments: ["", "* * * *", "61 * * * *", "* * * * 7", "@fortnightly", "@every 1x", "1-2-3 * * * *",
                      "*/0 * * * *", "TZ=Nowhere/Land * * * * *"])
    func unparsableSchedulesThrow(_ text: String) {
        #expect(throws: CronJobSchedule.ParseError.self) { try CronJobSchedule(text) }
    }

    @Test func mostRecentWalksMissedActivations() throws {
        let hourly = try CronJobSchedule("0 * * * *")
        let created = utc("2024-01-01T00:00:00Z")
        let none = try CronJobController.mostRecentScheduleTime(schedule: hourly, earliest: created, now: utc("2024-01-01T00:59:00Z"))
        #expect(none.time == nil)
        let one = try CronJobController.mostRecentScheduleTime(schedule: hourly, earliest: created, now: utc("2024-01-01T01:00:30Z"))
        #expect(one.time == utc("2024-01-01T01:00:00Z") && one.missed == .none)
        let few = try CronJobController.mostRecentScheduleTime(schedule: hourly, earliest: created, now: utc("2024-01-01T05:10:00Z"))
        #expect(few.time == utc("2024-01-01T05:00:00Z") && few.missed == .few)
        let many = try CronJobController.mostRecentScheduleTime(schedule: hourly, earliest: created, now: utc("2024-01-10T00:10:00Z"))
        #expect(many.time == utc("2024-01-10T00:00:00Z") && many.missed == .many)
        // A starting deadline moves the earliest considered time up: the backlog is not "many".
        let bounded = try CronJobController.mostRecentScheduleTime(schedule: hourly, earliest: created,
                                                                   now: utc("2024-01-10T00:10:00Z"), startingDeadline: .seconds(3600))
        #expect(bounded.time == utc("2024-01-10T00:00:00Z") && bounded.missed == .none)
    }

    @Test func timestampFormats() {
        let t = utc("2024-03-05T07:08:09Z")
        #expect(JobSupport.rfc3339(t, offset: 0) == "2024-03-05T07:08:09Z")
        #expect(JobSupport.rfc3339(t, offset: -5 * 3600) == "2024-03-05T02:08:09-05:00")
        #expect(JobSupport.rfc3339(t, offset: 5 * 3600 + 1800) == "2024-03-05T12:38:09+05:30")
        #expect(JobSupport.rfc1123Z(t) == "Tue, 05 Mar 2024 07:08:09 +0000")
    }
}
