import Foundation

/// A song fetched from a link (`POST /api/playlists/{id}/links`): one task, run by yt-dlp in a
/// child process, then checked and added like an upload. Its events are the reference
/// contract's §7 (`youtube:progress`, `youtube:complete`, `youtube:error`), to the requester and
/// `playlist:{id}`; like upload events they report a transfer, not box state (no `server_seq`).
public struct LinkTask: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case pending, downloading, processing, completed, error
    }

    public var id: String
    public var playlistID: PlaylistID
    public var url: String
    public var status: Status
    /// 0–100, one decimal.
    public var progressPercent: Double
    /// What the task is doing, for people ("Downloading", "Checking the file").
    public var currentStep: String
    /// Milliseconds still to go, when yt-dlp can tell.
    public var estimatedTimeRemainingMs: Int64?
    /// Why it failed (`error`), for people; `errorType` is the stable code.
    public var message: String?
    public var errorType: String?
    /// The track it added (`completed`).
    public var trackID: TrackID?
    /// The socket that asked for it (gets the events even outside the playlist's room).
    public var requester: String?
    public var createdAt: EpochMillis
    public var updatedAt: EpochMillis

    public init(id: String = UUID().uuidString.lowercased(), playlistID: PlaylistID, url: String, requester: String?, now: EpochMillis) {
        self.id = id
        self.playlistID = playlistID
        self.url = url
        status = .pending
        progressPercent = 0
        currentStep = "Waiting"
        self.requester = requester
        createdAt = now
        updatedAt = now
    }

    public var isFinished: Bool { status == .completed || status == .error }

    enum CodingKeys: String, CodingKey {
        case url, status, message, requester
        case id = "task_id"
        case playlistID = "playlist_id"
        case progressPercent = "progress_percent"
        case currentStep = "current_step"
        case estimatedTimeRemainingMs = "estimated_time_remaining"
        case errorType = "error_type"
        case trackID = "track_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// Every key present (`null` when unknown), as the contract's clients expect; the
    /// requester only when set (the journal keeps it; ``shown`` clears it for clients).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(playlistID, forKey: .playlistID)
        try container.encode(url, forKey: .url)
        try container.encode(status, forKey: .status)
        try container.encode(progressPercent, forKey: .progressPercent)
        try container.encode(currentStep, forKey: .currentStep)
        try container.encode(estimatedTimeRemainingMs, forKey: .estimatedTimeRemainingMs)
        try container.encode(message, forKey: .message)
        try container.encode(errorType, forKey: .errorType)
        try container.encode(trackID, forKey: .trackID)
        try container.encodeIfPresent(requester, forKey: .requester)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }

    /// As clients see it (the requester's socket id is not theirs to know).
    public var shown: LinkTask {
        var copy = self
        copy.requester = nil
        return copy
    }
}

/// The §7 events of one task.
public enum LinkNotice: Sendable, Equatable {
    /// `youtube:progress {task_id, status, progress_percent, current_step, estimated_time_remaining}`.
    case progress(LinkTask)
    /// `youtube:complete {task_id, track, playlist_id}`.
    case complete(LinkTask, Track)
    /// `youtube:error {task_id, message}` (and `error_type`).
    case failed(LinkTask)

    public var task: LinkTask {
        switch self {
        case .progress(let task), .complete(let task, _), .failed(let task): task
        }
    }

    private struct Complete: Encodable {
        var task_id: String
        var track: Track
        var playlist_id: PlaylistID
    }

    private struct Failure: Encodable {
        var task_id: String
        var playlist_id: PlaylistID
        var message: String
        var error_type: String
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .progress(let task): try task.shown.encode(to: encoder)
        case .complete(let task, let track): try Complete(task_id: task.id, track: track, playlist_id: task.playlistID).encode(to: encoder)
        case .failed(let task):
            try Failure(task_id: task.id, playlist_id: task.playlistID, message: task.message ?? "The download failed.",
                        error_type: task.errorType ?? ErrorCode.internalError.rawValue).encode(to: encoder)
        }
    }
}
