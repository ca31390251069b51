import NIOCore

/// Copies bytes both ways between two upgraded connections until both directions end, then
/// closes both. Backpressure comes from `RawConnection` (a write waits for the socket; reading
/// stops while bytes wait).
///
/// A direction ends at end of input: when its source only half-closed, the other side's output
/// is half-closed and the other direction goes on (a client that sent all it had may still be
/// owed an answer); when the source is gone altogether, or a read or write fails, both close at
/// once, so a vanished peer never leaves the other side hanging.
public func splice(_ a: RawConnection, _ b: RawConnection) async {
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await pump(from: a, to: b) }
        group.addTask { await pump(from: b, to: a) }
        await group.waitForAll()
    }
    await a.close()
    await b.close()
}

private func pump(from source: RawConnection, to destination: RawConnection) async {
    do {
        while let buffer = try await source.read() {
            try await destination.write(buffer)
        }
        if source.isActive {
            await destination.closeOutput()
            return
        }
    } catch {
        // Fall through: a failed side ends the whole exchange.
    }
    await source.close()
    await destination.close()
}
