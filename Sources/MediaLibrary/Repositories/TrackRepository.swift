import GRDB
import MusicBoxCore

/// Queries and changes of `tracks`. Track numbers stay 1-based and contiguous within a playlist.
public enum TrackRepository {
    /// Tracks of a playlist in play order.
    public static func tracks(_ db: Database, in playlist: PlaylistID) throws -> [Track] {
        try TrackRecord
            .filter(TrackRecord.Columns.playlistID == playlist.description)
            .order(TrackRecord.Columns.trackNumber)
            .fetchAll(db)
            .map { try $0.track() }
    }

    /// Every track of every playlist, each playlist's in play order.
    public static func all(_ db: Database) throws -> [Track] {
        try TrackRecord
            .order(TrackRecord.Columns.playlistID, TrackRecord.Columns.trackNumber)
            .fetchAll(db)
            .map { try $0.track() }
    }

    public static func track(_ db: Database, id: TrackID) throws -> Track? {
        try TrackRecord.fetchOne(db, key: id.description)?.track()
    }

    /// The media file name of a track, for playing it.
    public static func storedFileName(_ db: Database, id: TrackID) throws -> String? {
        try String.fetchOne(db, sql: "SELECT file_name FROM tracks WHERE id = ? AND kind = 'file'", arguments: [id.description])
    }

    /// Adds a track at the end of a playlist; touches the playlist's `updated_at`.
    public static func append(_ db: Database, _ new: NewTrack, to playlist: PlaylistID, now: EpochMillis) throws -> Track {
        let record = TrackRecord(
            id: new.id.description, playlistID: playlist.description, trackNumber: try nextNumber(db, in: playlist), title: new.title,
            artist: new.artist, album: new.album, durationMs: new.durationMs, fileName: new.storedFileName,
            originalFilename: new.originalFilename, fileSize: new.fileSize, sha256: new.sha256, createdAt: now,
            hasCover: new.artwork != nil, kind: "file", sourceURL: nil, chapters: try TrackRecord.encodeChapters(new.chapters)
        )
        try record.insert(db)
        if let artwork = new.artwork {
            try db.execute(
                sql: "INSERT INTO artwork (track_id, mime_type, data) VALUES (?, ?, ?)",
                arguments: [record.id, artwork.mimeType, artwork.data]
            )
        }
        try touch(db, playlist: playlist, now: now)
        return try record.track()
    }

    /// The number the next track added at the end of `playlist` gets; throws `not_found` for a
    /// playlist that does not exist.
    private static func nextNumber(_ db: Database, in playlist: PlaylistID) throws -> Int {
        guard try PlaylistRepository.exists(db, id: playlist) else { throw BoxError.playlistNotFound(playlist) }
        let last = try Int.fetchOne(
            db, sql: "SELECT MAX(track_number) FROM tracks WHERE playlist_id = ?", arguments: [playlist.description]
        ) ?? 0
        return last + 1
    }

    /// Adds a live stream at the end of a playlist; touches the playlist's `updated_at`.
    public static func appendStream(_ db: Database, _ new: NewStream, to playlist: PlaylistID, now: EpochMillis) throws -> Track {
        let record = TrackRecord(
            id: new.id.description, playlistID: playlist.description, trackNumber: try nextNumber(db, in: playlist), title: new.title,
            artist: nil, album: nil, durationMs: 0, fileName: TrackRecord.streamFileName(new.id), originalFilename: "",
            fileSize: 0, sha256: "", createdAt: now, hasCover: false, kind: "stream", sourceURL: new.url, chapters: nil
        )
        try record.insert(db)
        try touch(db, playlist: playlist, now: now)
        return try record.track()
    }

    /// Deletes a track and closes the gap in numbering. Returns its media file name (`nil` for a
    /// stream, which has none), for the caller to remove after commit.
    public static func delete(_ db: Database, id: TrackID, now: EpochMillis) throws -> String? {
        guard let record = try TrackRecord.fetchOne(db, key: id.description) else { throw BoxError.trackNotFound(id) }
        try record.delete(db)
        try shiftDown(db, playlist: record.playlistID, after: record.trackNumber)
        if let playlist = PlaylistID(record.playlistID) { try touch(db, playlist: playlist, now: now) }
        return record.kind == "file" ? record.fileName : nil
    }

    /// Puts a playlist's tracks in the given order, which must name each of its tracks exactly once.
    public static func reorder(_ db: Database, playlist: PlaylistID, order: [TrackID], now: EpochMillis) throws {
        let current = try tracks(db, in: playlist).map(\.id)
        guard try PlaylistRepository.exists(db, id: playlist) else { throw BoxError.playlistNotFound(playlist) }
        guard order.count == current.count, Set(order) == Set(current) else {
            throw BoxError.validation(field: "track_ids", "track_ids must list each of the playlist's \(current.count) tracks exactly once.")
        }
        try renumber(db, [playlist.description: order.map(\.description)])
        try touch(db, playlist: playlist, now: now)
    }

    /// Moves a track to another playlist (or within its own) at a 0-based `position` (the end by
    /// default). Returns the playlist it came from.
    public static func move(_ db: Database, track id: TrackID, to target: PlaylistID, position: Int?, now: EpochMillis) throws -> PlaylistID {
        guard let record = try TrackRecord.fetchOne(db, key: id.description) else { throw BoxError.trackNotFound(id) }
        guard try PlaylistRepository.exists(db, id: target) else { throw BoxError.playlistNotFound(target) }
        guard let source = PlaylistID(record.playlistID) else { throw LibraryCorruption("track \(id) has playlist id \(record.playlistID)") }
        var sourceOrder = try tracks(db, in: source).map(\.id.description).filter { $0 != record.id }
        var targetOrder = source == target ? sourceOrder : try tracks(db, in: target).map(\.id.description)
        let place = position ?? targetOrder.count
        guard (0...targetOrder.count).contains(place) else {
            throw BoxError.validation(field: "position", "position must be from 0 to \(targetOrder.count).")
        }
        targetOrder.insert(record.id, at: place)
        if source == target { sourceOrder = targetOrder }
        var orders = [source.description: sourceOrder]
        orders[target.description] = targetOrder
        try stepOut(db, Array(orders.keys))
        // Its own number, clear of both playlists' stepped-out numbers, while it changes playlist.
        try db.execute(sql: "UPDATE tracks SET playlist_id = ?, track_number = ? WHERE id = ?", arguments: [target.description, 2 * renumberOffset, record.id])
        try assign(db, orders)
        try touch(db, playlist: source, now: now)
        try touch(db, playlist: target, now: now)
        return source
    }

    /// Changes a track's shown fields; `nil` leaves a field as it is, an empty artist or album clears it.
    public static func update(_ db: Database, id: TrackID, title: String?, artist: String?, album: String?, now: EpochMillis) throws -> Track {
        guard var record = try TrackRecord.fetchOne(db, key: id.description) else { throw BoxError.trackNotFound(id) }
        if let title { record.title = title }
        if let artist { record.artist = artist.isEmpty ? nil : artist }
        if let album { record.album = album.isEmpty ? nil : album }
        try record.update(db)
        if let playlist = PlaylistID(record.playlistID) { try touch(db, playlist: playlist, now: now) }
        return try record.track()
    }

    /// Gives the tracks of each playlist the numbers 1…n in the order given. The rows first step
    /// out of the way (SQLite checks UNIQUE row by row), then take their places.
    private static func renumber(_ db: Database, _ orders: [String: [String]]) throws {
        try stepOut(db, Array(orders.keys))
        try assign(db, orders)
    }

    private static let renumberOffset = 1_000_000

    private static func stepOut(_ db: Database, _ playlists: [String]) throws {
        for playlist in playlists {
            try db.execute(sql: "UPDATE tracks SET track_number = track_number + ? WHERE playlist_id = ?", arguments: [renumberOffset, playlist])
        }
    }

    private static func assign(_ db: Database, _ orders: [String: [String]]) throws {
        for (_, order) in orders {
            for (index, track) in order.enumerated() {
                try db.execute(sql: "UPDATE tracks SET track_number = ? WHERE id = ?", arguments: [index + 1, track])
            }
        }
    }

    /// Tracks of a playlist with the same content (SHA-256), for duplicate warnings.
    public static func tracks(_ db: Database, in playlist: PlaylistID, withSHA256 sha256: String) throws -> [Track] {
        try TrackRecord
            .filter(TrackRecord.Columns.playlistID == playlist.description && Column("sha256") == sha256)
            .fetchAll(db)
            .map { try $0.track() }
    }

    /// A track's cover picture, if its file had one.
    public static func artwork(_ db: Database, track: TrackID) throws -> Artwork? {
        guard let row = try Row.fetchOne(db, sql: "SELECT mime_type, data FROM artwork WHERE track_id = ?", arguments: [track.description]) else {
            return nil
        }
        return Artwork(mimeType: row["mime_type"], data: row["data"])
    }

    /// The stored file name and original name of a track (for serving its audio).
    public static func file(_ db: Database, track: TrackID) throws -> (storedName: String, originalName: String)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT file_name, original_filename FROM tracks WHERE id = ? AND kind = 'file'", arguments: [track.description]) else {
            return nil
        }
        return (row["file_name"], row["original_filename"])
    }

    /// Every media file name the library refers to.
    public static func allStoredFileNames(_ db: Database) throws -> Set<String> {
        Set(try String.fetchAll(db, sql: "SELECT file_name FROM tracks WHERE kind = 'file'"))
    }

    /// Moves numbers above `number` down by one. SQLite checks UNIQUE row by row in no set order,
    /// so the rows first step out of the way (above any real number), then come back.
    private static func shiftDown(_ db: Database, playlist: String, after number: Int) throws {
        let offset = 1_000_000
        try db.execute(
            sql: "UPDATE tracks SET track_number = track_number + ? WHERE playlist_id = ? AND track_number > ?",
            arguments: [offset, playlist, number]
        )
        try db.execute(
            sql: "UPDATE tracks SET track_number = track_number - ? WHERE playlist_id = ? AND track_number > ?",
            arguments: [offset + 1, playlist, offset]
        )
    }

    private static func touch(_ db: Database, playlist: PlaylistID, now: EpochMillis) throws {
        try db.execute(sql: "UPDATE playlists SET updated_at = ? WHERE id = ?", arguments: [now, playlist.description])
    }
}
