import CMalloc

/// glibc malloc keeps freed memory and creates an arena per busy thread; on a small board that
/// turns one large response or one burst of watch events into tens of megabytes of RSS that never
/// go back. Two arenas, and trims after large responses or on a timer, keep a component's
/// footprint close to what it actually holds. (The component executables link jemalloc, which
/// returns freed pages on its own decay timer; these calls then touch only glibc's unused heap,
/// and still matter for anything that runs the components' code on glibc's malloc.)
public enum MemoryTuning {
    /// At most two malloc arenas (call first thing in `main`, before threads start).
    public static func limitArenas() {
        _ = mallopt(M_ARENA_MAX, 2)
    }

    /// Returns freed heap pages to the system.
    public static func trim() {
        _ = malloc_trim(0)
    }

    /// Trims every `seconds` for the life of the process (components whose caches shrink after
    /// bursts: informers dropping deleted pods, parse garbage of relists).
    public static func trimPeriodically(every seconds: Int) {
        Task.detached(priority: .background) {
            while true {
                try? await Task.sleep(for: .seconds(seconds))
                trim()
            }
        }
    }
}
