/// When where a playlist was left is remembered, and what is remembered: on a switch to another
/// playlist, a pause, a stop, a move to another track of it or a seek (a power cut right after
/// "next" or a jump must not bring the old place back). A playlist that played to its end starts over next time. A pure
/// rule over the player before and after a command; the state manager hands what it decides to
/// the ``ResumeWriter``.
enum ResumeRule {
    /// - Parameters:
    ///   - oldPositionMs: where the old player was (the engine's position while it played).
    ///   - naturalEnd: the command was the engine's report of a track's end.
    ///   - stillExists: whether the old player's playlist is still in the library (a playlist
    ///     just deleted has nothing left to resume).
    static func decision(
        from old: Player, at oldPositionMs: Int64, to new: Player, naturalEnd: Bool, now: EpochMillis,
        stillExists: (PlaylistID) -> Bool
    ) -> ResumeDecision? {
        guard let playlist = old.playlist?.id, let track = old.current?.id, stillExists(playlist) else { return nil }
        func save(_ track: TrackID, _ positionMs: Int64) -> ResumeDecision {
            // A live stream has no place to come back to: only which item of the playlist it was.
            let live = (old.order + new.order).contains { $0.id == track && $0.source.isLive }
            return .save(ResumePoint(playlistID: playlist, trackID: track, positionMs: live ? 0 : positionMs, updatedAt: now))
        }
        if new.playlist?.id != playlist { return save(track, oldPositionMs) }
        if old.status == .playing, new.status == .paused, let current = new.current { return save(current.id, new.positionMs) }
        if old.status != .stopped, new.status == .stopped { return naturalEnd ? .clear(playlist) : save(track, oldPositionMs) }
        if new.status != .stopped, let current = new.current, current.id != track || new.positionMs != old.positionMs {
            return save(current.id, new.positionMs)
        }
        return nil
    }

    /// Where a playlist that just started playing (after another one, or after nothing) is:
    /// remembered at once, so a power cut before the first periodic save does not bring back
    /// an older place of it (a parent restarted it from the top; the box must not jump back).
    static func start(from old: Player, to new: Player, now: EpochMillis) -> ResumeDecision? {
        guard new.status != .stopped, let playlist = new.playlist?.id, let current = new.current,
              old.playlist?.id != playlist || old.status == .stopped else { return nil }
        return .save(ResumePoint(playlistID: playlist, trackID: current.id, positionMs: new.positionMs, updatedAt: now))
    }
}
