/// Every SQL statement the SQLite backend runs, in one place (as in kine), so the schema and the
/// queries can be reviewed together.
///
/// The schema is one append-only log: each write is a row whose `id` is the store's global revision.
/// A key's live value is its newest row when that row is not a delete marker. Delete markers carry an
/// empty value: the deleted value is the row named by `prev_revision`, which compaction keeps for as
/// long as the delete itself is in the watchable history.
enum SQL {
    /// Connection settings applied to every connection before anything else.
    ///
    /// `synchronous=NORMAL` in WAL mode: a commit is written to the WAL (in the OS page cache) before
    /// it is acknowledged, so it survives a crash or `kill -9` of the process. The WAL is fsynced at
    /// checkpoints only, so a power loss or kernel crash can lose the last transactions acknowledged
    /// since the previous checkpoint, but never corrupts the database.
    static func connectionPragmas(busyTimeoutMilliseconds: Int) -> [String] {
        [
            "PRAGMA busy_timeout = \(busyTimeoutMilliseconds)",
            "PRAGMA foreign_keys = OFF",
            "PRAGMA synchronous = NORMAL",
        ]
    }

    /// Must run before the first table is created: SQLite fixes the vacuum mode of a database when
    /// its first table is written (changing it later needs a full VACUUM).
    static let autoVacuum = "PRAGMA auto_vacuum = INCREMENTAL"
    static let journalModeWAL = "PRAGMA journal_mode = WAL"
    /// Keeps the WAL file from staying at its high-water mark after a burst of writes (k3s#3660).
    static let journalSizeLimit = "PRAGMA journal_size_limit = 67108864"
    static let queryOnly = "PRAGMA query_only = ON"

    static let createLog = """
        CREATE TABLE IF NOT EXISTS log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            created INTEGER NOT NULL,
            deleted INTEGER NOT NULL,
            create_revision INTEGER NOT NULL,
            prev_revision INTEGER NOT NULL,
            value BLOB NOT NULL,
            ts INTEGER NOT NULL
        )
        """
    static let createNameIndex = "CREATE INDEX IF NOT EXISTS log_name_id ON log (name, id)"
    static let createMeta = """
        CREATE TABLE IF NOT EXISTS meta (
            key TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        )
        """

    // MARK: Open

    /// The last revision ever assigned. AUTOINCREMENT keeps it in `sqlite_sequence` even when
    /// compaction has deleted that row, so revisions are never reused after a reopen.
    static let selectLastRevision = "SELECT seq FROM sqlite_sequence WHERE name = 'log'"
    static let selectCompactedRevision = "SELECT value FROM meta WHERE key = 'compacted_revision'"
    /// Newest row of every key, live ones only. The grouped subquery walks the (name, id) index.
    static let selectLiveRows = """
        SELECT l.id, l.name, l.create_revision, l.value
        FROM log AS l
        JOIN (SELECT max(id) AS id FROM log GROUP BY name) AS newest ON l.id = newest.id
        WHERE l.deleted = 0
        """

    // MARK: Writes

    /// ?1 id, ?2 name, ?3 created, ?4 deleted, ?5 create_revision, ?6 prev_revision, ?7 value, ?8 ts.
    static let insertRow = """
        INSERT INTO log (id, name, created, deleted, create_revision, prev_revision, value, ts)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
        """
    static let beginImmediate = "BEGIN IMMEDIATE"
    static let begin = "BEGIN"
    static let commit = "COMMIT"
    static let rollback = "ROLLBACK"

    // MARK: History reads

    /// Live keys as of revision ?1 in the key range [?2, ?3), after key ?4, at most ?5 rows.
    static let selectListAtRevision = """
        SELECT l.id, l.name, l.create_revision, l.value
        FROM log AS l
        JOIN (SELECT max(id) AS id FROM log
              WHERE id <= ?1 AND name >= ?2 AND name < ?3 AND name > ?4
              GROUP BY name) AS newest ON l.id = newest.id
        WHERE l.deleted = 0
        ORDER BY l.name
        LIMIT ?5
        """

    /// Events with revision in (?1, ?2] for keys in [?3, ?4), oldest first, at most ?5, each joined
    /// with the row it superseded (the previous value of updates and deletes).
    static let selectEvents = """
        SELECT r.id, r.name, r.created, r.deleted, r.create_revision, r.value,
               p.id, p.create_revision, p.value
        FROM log AS r
        LEFT JOIN log AS p ON p.id = r.prev_revision AND r.created = 0
        WHERE r.id > ?1 AND r.id <= ?2 AND r.name >= ?3 AND r.name < ?4
        ORDER BY r.id
        LIMIT ?5
        """

    // MARK: Compaction

    static let selectSweptRevision = "SELECT value FROM meta WHERE key = 'swept_revision'"
    /// Records the compacted revision before any row is deleted, so readers that see a deletion
    /// also see why rows are missing. Never moves backwards.
    static let upsertCompactedRevision = """
        INSERT INTO meta (key, value) VALUES ('compacted_revision', ?1)
        ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)
        """
    /// Records how far the deletion sweep has finished, so the next compaction only looks at newer
    /// rows (and resumes after a crash in the middle of a sweep).
    static let upsertSweptRevision = """
        INSERT INTO meta (key, value) VALUES ('swept_revision', ?1)
        ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)
        """
    /// The end of the next sweep batch: the ?3-th row after ?1, or nil when fewer rows remain up to ?2.
    static let selectBatchEnd = """
        SELECT id FROM log WHERE id > ?1 AND id <= ?2 ORDER BY id LIMIT 1 OFFSET ?3
        """
    /// Rows at or below the previous sweep (?3) that were superseded by an update or delete in the
    /// batch (?1, ?2]: they were live when the previous compaction ran. Must run before
    /// `deleteCompactable`, which may delete the superseding rows.
    static let deleteSupersededBySweep = """
        DELETE FROM log
        WHERE id <= ?3
          AND id IN (SELECT prev_revision FROM log WHERE id > ?1 AND id <= ?2 AND created = 0)
        """
    /// Deletes, among revisions (?1, ?2], every delete marker and every row superseded by a newer row
    /// of the same key that is itself at or below the compaction target ?3. A row superseded only by
    /// rows above the target is kept: it is the previous value of an event still in history.
    static let deleteCompactable = """
        DELETE FROM log
        WHERE id > ?1 AND id <= ?2
          AND (deleted = 1 OR EXISTS (
                SELECT 1 FROM log AS n WHERE n.name = log.name AND n.id > log.id AND n.id <= ?3))
        """
    /// The newest revision at or below ?1 written at or before time ?2 (the time-based retention).
    static let selectNewestRevisionBefore = """
        SELECT id FROM log WHERE id <= ?1 AND ts <= ?2 ORDER BY id DESC LIMIT 1
        """
    /// Vacuum first, then checkpoint: the vacuum's page moves land in the WAL, and the TRUNCATE
    /// checkpoint copies them back, shrinks the database file and empties the WAL.
    static let incrementalVacuum = "PRAGMA incremental_vacuum"
    /// Copies what it can from the WAL into the database without blocking the writer.
    static let checkpointPassive = "PRAGMA wal_checkpoint(PASSIVE)"

    // MARK: Health

    static let ping = "SELECT count(*) FROM meta"
}
