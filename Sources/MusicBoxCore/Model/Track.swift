/// Where a track's sound comes from.
public enum TrackSource: Sendable, Equatable, Hashable {
    /// A file in the media folder, named by the track's id.
    case file
    /// A live stream (web radio) at an http(s) URL: no length, no seeking, no resume position.
    case stream(url: String)

    /// `file` or `stream`, as the JSON `kind` says.
    public var kind: String {
        switch self {
        case .file: "file"
        case .stream: "stream"
        }
    }

    public var isLive: Bool {
        if case .stream = self { return true }
        return false
    }

    public var url: String? {
        if case .stream(let url) = self { return url }
        return nil
    }
}

/// One item of a playlist, as clients see it: an audio file, or a live stream.
/// A file on disk is named by `id`; `filename` is only the name the parent uploaded, shown, never opened.
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
    /// The file had a cover picture, served at ``coverPath``.
    public var hasCover: Bool
    public var source: TrackSource
    /// The file's chapters (an audiobook's), kept by ``Chapters/kept(_:durationMs:)``; empty for
    /// most files.
    public var chapters: [Chapter]

    public init(
        id: TrackID, playlistID: PlaylistID, trackNumber: Int, title: String, artist: String?, album: String?,
        durationMs: Int64, filename: String, fileSize: Int64, createdAt: EpochMillis, hasCover: Bool = false,
        source: TrackSource = .file, chapters: [Chapter] = []
    ) {
        self.source = source
        self.chapters = chapters
        self.hasCover = hasCover
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
        case id, title, artist, album, filename, kind, chapters
        case streamURL = "stream_url"
        case playlistID = "playlist_id"
        case trackNumber = "track_number"
        case durationMs = "duration_ms"
        case fileSize = "file_size"
        case createdAt = "created_at"
        case coverURL = "cover_url"
    }

    /// Where clients fetch the cover (and `GET /api/tracks/{id}/audio` the sound).
    public var coverPath: String { "/api/tracks/\(id)/cover" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(TrackID.self, forKey: .id)
        playlistID = try container.decode(PlaylistID.self, forKey: .playlistID)
        trackNumber = try container.decode(Int.self, forKey: .trackNumber)
        title = try container.decode(String.self, forKey: .title)
        artist = try container.decodeIfPresent(String.self, forKey: .artist)
        album = try container.decodeIfPresent(String.self, forKey: .album)
        durationMs = try container.decode(Int64.self, forKey: .durationMs)
        filename = try container.decode(String.self, forKey: .filename)
        fileSize = try container.decode(Int64.self, forKey: .fileSize)
        createdAt = try container.decode(EpochMillis.self, forKey: .createdAt)
        hasCover = try container.decodeIfPresent(String.self, forKey: .coverURL) != nil
        let url = try container.decodeIfPresent(String.self, forKey: .streamURL)
        source = try container.decodeIfPresent(String.self, forKey: .kind) == "stream" ? .stream(url: url ?? "") : .file
        chapters = try container.decodeIfPresent([Chapter].self, forKey: .chapters) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(playlistID, forKey: .playlistID)
        try container.encode(trackNumber, forKey: .trackNumber)
        try container.encode(title, forKey: .title)
        try container.encode(artist, forKey: .artist)
        try container.encode(album, forKey: .album)
        try container.encode(durationMs, forKey: .durationMs)
        try container.encode(filename, forKey: .filename)
        try container.encode(fileSize, forKey: .fileSize)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(hasCover ? coverPath : nil, forKey: .coverURL)
        try container.encode(source.kind, forKey: .kind)
        try container.encode(source.url, forKey: .streamURL)
        try container.encode(chapters, forKey: .chapters)
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
    /// The cover picture to keep with it (stored in the same transaction as the row).
    public var artwork: Artwork?
    /// The file's chapters, as kept.
    public var chapters: [Chapter]

    public init(
        id: TrackID = TrackID(), title: String, artist: String? = nil, album: String? = nil, durationMs: Int64,
        storedFileName: String, originalFilename: String, fileSize: Int64, sha256: String, artwork: Artwork? = nil,
        chapters: [Chapter] = []
    ) {
        self.artwork = artwork
        self.chapters = chapters
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
