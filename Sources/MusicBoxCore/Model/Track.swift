/// One audio file in a playlist, as clients see it.
/// The file on disk is named by `id`; `filename` is only the name the parent uploaded, shown, never opened.
public struct Track: Codable, Sendable, Equatable {
    public var id: TrackID
    public var playlistID: PlaylistID
    /// 1-based and contiguous within a playlist.
    public var trackNumber: Int
    public var title: String
    public var artist: String?
    public var album: String?
    public var durationMs: Int64
    public var filename: String
    public var fileSize: Int64
    public var createdAt: EpochMillis

    public init(
        id: TrackID, playlistID: PlaylistID, trackNumber: Int, title: String, artist: String?, album: String?,
        durationMs: Int64, filename: String, fileSize: Int64, createdAt: EpochMillis
    ) {
        self.id = id
        self.playlistID = playlistID
        self.trackNumber = trackNumber
        self.title = title
        self.artist = artist
        self.album = album
        self.durationMs = durationMs
        self.filename = filename
        self.fileSize = fileSize
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, title, artist, album, filename
        case playlistID = "playlist_id"
        case trackNumber = "track_number"
        case durationMs = "duration_ms"
        case fileSize = "file_size"
        case createdAt = "created_at"
    }
}

/// What a new track is made from, once its file sits in the media folder.
public struct NewTrack: Sendable, Equatable {
    public var id: TrackID
    public var title: String
    public var artist: String?
    public var album: String?
    public var durationMs: Int64
    /// Name of the file inside the media folder (derived from `id`, never from user input).
    public var storedFileName: String
    public var originalFilename: String
    public var fileSize: Int64
    public var sha256: String

    public init(
        id: TrackID = TrackID(), title: String, artist: String? = nil, album: String? = nil, durationMs: Int64,
        storedFileName: String, originalFilename: String, fileSize: Int64, sha256: String
    ) {
        self.id = id
        self.title = title
        self.artist = artist
        self.album = album
        self.durationMs = durationMs
        self.storedFileName = storedFileName
        self.originalFilename = originalFilename
        self.fileSize = fileSize
        self.sha256 = sha256
    }
}
