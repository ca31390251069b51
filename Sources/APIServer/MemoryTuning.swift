import CMalloc

/// glibc malloc keeps freed memory and creates an arena per busy thread; on a small board that
/// turns one large response into tens of megabytes of RSS that never go back. Two arenas and a trim
/// after large responses keep the apiserver's footprint close to what it actually holds.
enum MemoryTuning {
    static func limitArenas() {
        _ = mallopt(M_ARENA_MAX, 2)
    }

    /// Returns freed heap pages to the system (after a response of several megabytes).
    static func trim() {
        _ = malloc_trim(0)
    }
}
