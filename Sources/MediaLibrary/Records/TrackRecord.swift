import Foundation
import GRDB
import MusicBoxCore

/// A row of `tracks`.
struct TrackRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "tracks"

    var id: String
    var playlistID: String
    var trackNumber: Int
    var title: String
    var artist: String?
    var album: String?
    var durationMs: Int64
    var fileName: String
    var originalFilename: String
    var fileSize: Int64
    var sha256: String
    var createdAt: Int64
    var hasCover: Bool
    /// `file` or `stream`.
    var kind: String
    /// A stream's address.
    var sourceURL: String?
    /// The file's chapters as a JSON array, `nil` when it has none.
    var chapters: String?

    /// The `file_name` of a stream's row: not a stored file name (``MediaFolder/isStoredFileName(_:)``
    /// refuses it), unique by the id.
    static func streamFileName(_ id: TrackID) -> String { "stream:\(id)" }

    enum CodingKeys: String, CodingKey {
        case id, title, artist, album, sha256
        case playlistID = "playlist_id"
        case trackNumber = "track_number"
        case durationMs = "duration_ms"
        case fileName = "file_name"
        case originalFilename = "original_filename"
        case fileSize = "file_size"
        case createdAt = "created_at"
        case hasCover = "has_cover"
        case kind
        case sourceURL = "source_url"
        case chapters
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let playlistID = Column(CodingKeys.playlistID)
        static let trackNumber = Column(CodingKeys.trackNumber)
        static let fileName = Column(CodingKeys.fileName)
        static let kind = Column(CodingKeys.kind)
    }

    func track() throws -> Track {
        guard let trackID = TrackID(id), let playlist = PlaylistID(playlistID) else {
            throw LibraryCorruption("track \(id) has an id that is not a UUID")
        }
        return Track(
            id: trackID, playlistID: playlist, trackNumber: trackNumber, title: title, artist: artist,
            album: album, durationMs: durationMs, filename: originalFilename, fileSize: fileSize, createdAt: createdAt,
            hasCover: hasCover, source: kind == "stream" ? .stream(url: sourceURL ?? "") : .file,
            chapters: try Self.decodeChapters(chapters, track: id)
        )
    }

    /// The column's text for a kept chapter list.
    static func encodeChapters(_ chapters: [Chapter]) throws -> String? {
        guard !chapters.isEmpty else { return nil }
        return String(decoding: try JSONEncoder().encode(chapters), as: UTF8.self)
    }

    private static func decodeChapters(_ text: String?, track: String) throws -> [Chapter] {
        guard let text else { return [] }
        do {
            return try JSONDecoder().decode([Chapter].self, from: Data(text.utf8))
        } catch {
            throw LibraryCorruption("track \(track) has chapters that cannot be read: \(error)")
        }
    }
}
