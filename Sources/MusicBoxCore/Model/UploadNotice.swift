/// The upload events of CONTRACT §6, sent to `playlist:{id}` and `playlists`. They report on
/// transfers, not on box state, so they take no `server_seq` and are never replayed; the track an
/// upload adds arrives as a normal, sequenced `state:playlist` change before `upload:complete`.
public enum UploadNotice: Sendable, Equatable {
    case progress(UploadProgress)
    case complete(UploadCompletion)
    case failed(UploadFailure)

    public var playlistID: PlaylistID {
        switch self {
        case .progress(let progress): progress.playlistID
        case .complete(let completion): completion.playlistID
        case .failed(let failure): failure.playlistID
        }
    }
}

/// `upload:progress`.
public struct UploadProgress: Sendable, Equatable, Encodable {
    public var playlistID: PlaylistID
    public var sessionID: String
    public var chunkIndex: Int
    /// 0–100, with one decimal.
    public var progress: Double
    public var bytesReceived: Int64
    public var fileSize: Int64
    /// Every chunk is in: the upload can be finalized.
    public var complete: Bool

    public init(playlistID: PlaylistID, sessionID: String, chunkIndex: Int, progress: Double, bytesReceived: Int64, fileSize: Int64, complete: Bool) {
        self.playlistID = playlistID
        self.sessionID = sessionID
        self.chunkIndex = chunkIndex
        self.progress = progress
        self.bytesReceived = bytesReceived
        self.fileSize = fileSize
        self.complete = complete
    }

    enum CodingKeys: String, CodingKey {
        case progress, complete
        case playlistID = "playlist_id"
        case sessionID = "session_id"
        case chunkIndex = "chunk_index"
        case bytesReceived = "bytes_received"
        case fileSize = "file_size"
    }
}

/// `upload:complete`.
public struct UploadCompletion: Sendable, Equatable, Encodable {
    public var playlistID: PlaylistID
    public var sessionID: String
    public var filename: String
    public var metadata: AudioMetadata
    public var track: Track
    /// Things worth telling the parent that did not stop the upload (the same song already in the playlist).
    public var warnings: [UploadWarning]

    public init(playlistID: PlaylistID, sessionID: String, filename: String, metadata: AudioMetadata, track: Track, warnings: [UploadWarning]) {
        self.playlistID = playlistID
        self.sessionID = sessionID
        self.filename = filename
        self.metadata = metadata
        self.track = track
        self.warnings = warnings
    }

    enum CodingKeys: String, CodingKey {
        case filename, metadata, track, warnings
        case playlistID = "playlist_id"
        case sessionID = "session_id"
    }
}

/// A note attached to a successful upload.
public struct UploadWarning: Sendable, Equatable, Codable {
    /// Stable code: `duplicate` (a track of the playlist has the same content).
    public var code: String
    public var message: String
    /// The track it concerns (the existing copy, for `duplicate`).
    public var trackID: TrackID?

    public init(code: String, message: String, trackID: TrackID?) {
        self.code = code
        self.message = message
        self.trackID = trackID
    }

    enum CodingKeys: String, CodingKey {
        case code, message
        case trackID = "track_id"
    }
}

/// `upload:error`: `error` is the human message, `error_type` the stable code.
public struct UploadFailure: Sendable, Equatable, Encodable {
    public var playlistID: PlaylistID
    public var sessionID: String
    public var failure: BoxError

    public init(playlistID: PlaylistID, sessionID: String, failure: BoxError) {
        self.playlistID = playlistID
        self.sessionID = sessionID
        self.failure = failure
    }

    enum CodingKeys: String, CodingKey {
        case error, details
        case playlistID = "playlist_id"
        case sessionID = "session_id"
        case errorType = "error_type"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(playlistID, forKey: .playlistID)
        try container.encode(sessionID, forKey: .sessionID)
        try container.encode(failure.message, forKey: .error)
        try container.encode(failure.code.rawValue, forKey: .errorType)
        if !failure.details.isEmpty { try container.encode(failure.details, forKey: .details) }
    }
}
