import NodeAgent
import Testing

@Suite struct PullPolicyTests {
    @Test(arguments: [
        ("busybox", nil, PullPolicy.always), ("busybox:latest", nil, .always), ("busybox:1.36", nil, .ifNotPresent),
        ("localhost:5000/busybox", nil, .always), ("localhost:5000/busybox:1", nil, .ifNotPresent),
        ("busybox@sha256:abc", nil, .ifNotPresent), ("busybox:1.36", "Always", .always),
        ("busybox:latest", "Never", .never), ("busybox:1", "Bogus", .ifNotPresent),
    ] as [(String, String?, PullPolicy)])
    func policy(image: String, explicit: String?, expected: PullPolicy) {
        #expect(PullPolicy.of(image: image, imagePullPolicy: explicit) == expected)
    }

    @Test func decisions() {
        #expect(PullPolicy.always.decision(imagePresent: true) == .pull)
        #expect(PullPolicy.ifNotPresent.decision(imagePresent: true) == .usePresent)
        #expect(PullPolicy.ifNotPresent.decision(imagePresent: false) == .pull)
        #expect(PullPolicy.never.decision(imagePresent: true) == .usePresent)
        #expect(PullPolicy.never.decision(imagePresent: false) == .fail)
    }
}

@Suite struct CrashBackoffTests {
    @Test func doublesToTheCapAndResetsAfterALongRun() {
        var backoff = CrashBackoff()
        let quick = Duration.seconds(1)
        #expect(backoff.exited(ranFor: quick) == .zero)
        let waits = (0..<8).map { _ in backoff.exited(ranFor: quick) }
        #expect(waits == [10, 20, 40, 80, 160, 300, 300, 300].map { Duration.seconds($0) })
        // Ran for ten minutes: starts over.
        #expect(backoff.exited(ranFor: .seconds(600)) == .zero)
        #expect(backoff.exited(ranFor: quick) == .seconds(10))
    }
}
