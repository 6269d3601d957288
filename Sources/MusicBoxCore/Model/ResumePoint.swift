/// Where a playlist was left: the track and the position in it.
/// `trackID` is `nil` when that track was deleted since; playback then starts the playlist over.
public struct ResumePoint: Sendable, Equatable, Codable {
    public var playlistID: PlaylistID
    public var trackID: TrackID?
    public var positionMs: Int64
    public var updatedAt: EpochMillis

    public init(playlistID: PlaylistID, trackID: TrackID?, positionMs: Int64, updatedAt: EpochMillis) {
        self.playlistID = playlistID
        self.trackID = trackID
        self.positionMs = positionMs
        self.updatedAt = updatedAt
    }
}
