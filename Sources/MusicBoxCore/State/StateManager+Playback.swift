import Foundation
import Logging

/// The manager's side of playback, between commands: feedback sounds (``FeedbackGate``), the
/// quiet-hours clock check, the sleep timer's fade (``SleepFade``), resume points
/// (``ResumeRule``, written by the ``ResumeWriter``), and the engine's reports, each of which
/// becomes a command like any other.
extension StateManager {
    // MARK: Feedback sounds

    /// Plays `cue` when the box and the parents want sounds: not when switched off, muted, or in
    /// quiet hours without music; never louder than the volume cap; not the same cue twice within
    /// ``FeedbackSounds/repeatGap`` unless `evenIfJustPlayed` (a parent trying it). Returns the
    /// volume it plays at (`nil`: silent).
    @discardableResult
    public func playFeedback(_ cue: FeedbackCue, evenIfJustPlayed: Bool = false) -> Int? {
        guard let volume = feedback.admit(cue, player: player, at: .now, evenIfJustPlayed: evenIfJustPlayed) else { return nil }
        logger.debug("feedback sound \(cue.rawValue) at volume \(volume)")
        engine.play(cue, volume: volume)
        return volume
    }

    /// Before the box switches off: playback pauses (so where it was is saved, as on any pause,
    /// and this waits until it is on disk)
    /// and the goodbye sound plays. Returns how long that sound lasts, to wait before power goes.
    public func prepareForPowerOff() -> Duration {
        if player.status == .playing { _ = try? perform(Pause()) }
        resumeWriter.flush()  // where it was is on disk before the power goes
        return playFeedback(.goodbye, evenIfJustPlayed: true) == nil ? .zero : FeedbackSounds.goodbyeLength
    }

    // MARK: The clock: quiet hours and the daily listening limit

    func checkClock() {
        checkQuietHours()
        checkListening()
    }

    /// Counts what played since the last check; when today's minutes are used up what plays
    /// pauses with the goodbye sound; a new day (or more minutes) lifts it.
    func checkListening() {
        let now = clock.now()
        let changed = dailyLimit.tick(playing: player.status == .playing, at: now)
        let millis = clock.millis
        // Written behind, at most every 30 s (a power cut loses at most that much of the count).
        if changed, millis - listeningSavedAt >= 30_000 || dailyLimit.reached != player.dailyLimitReached {
            listeningSavedAt = millis
            resumeWriter.submit(dailyLimit.today, at: millis)
        }
        guard dailyLimit.reached != player.dailyLimitReached else { return }
        let playing = player.status == .playing
        logger.notice(dailyLimit.reached ? "daily listening limit reached" : "daily listening limit lifted")
        _ = try? perform(ApplyDailyLimit(reached: dailyLimit.reached))
        if dailyLimit.reached, playing { playFeedback(.goodbye, evenIfJustPlayed: true) }
    }

    /// Where the playlist's tag would continue it now (`nil`: from the top, or no such playlist).
    /// The same decision the tap makes (``ContinuePlaylist``), made without playing anything.
    public func continuePlace(of playlist: PlaylistID) -> ContinuePlace? {
        guard let detail = library.playlist(playlist), !detail.tracks.isEmpty else { return nil }
        let context = CommandContext(
            store: ReadOnlyLibrary(store: store), library: library, player: player, engine: engine, now: clock.millis,
            resumeDecisions: resumeDecisions, episodePlaces: episodePlaces
        )
        guard let plan = try? ContinuePlaylist(detail: detail).plan(in: context, behaviour: TagBehaviour.current(context.store)),
              plan.resumes || plan.trackIndex > 0, detail.tracks.indices.contains(plan.trackIndex) else { return nil }
        return ContinuePlace(track: detail.tracks[plan.trackIndex], trackIndex: plan.trackIndex, positionMs: plan.positionMs)
    }

    /// Where today's listening stands.
    public func listening() -> ListeningStatus { ListeningStatus(dailyLimit) }

    /// Parents add minutes to today (1–720); playback may start again at once.
    public func extendListening(minutes: Int) throws(BoxError) -> ListeningStatus {
        guard (1...720).contains(minutes) else { throw BoxError.validation(field: "minutes", "minutes must be from 1 to 720.") }
        dailyLimit.extend(byMinutes: minutes, at: clock.now())
        listeningSavedAt = clock.millis
        resumeWriter.submit(dailyLimit.today, at: listeningSavedAt)
        checkListening()
        logger.notice("daily listening limit: \(minutes) minute(s) added")
        return ListeningStatus(dailyLimit)
    }

    // MARK: Quiet hours

    /// Lowers (or lifts) the volume cap as the quiet-hours window begins (or ends).
    func checkQuietHours() {
        let cap = quietHours.isActive(at: clock.now()) ? quietHours.maxVolume : nil
        guard cap != player.quietCap else { return }
        logger.notice(cap == nil ? "quiet hours over" : "quiet hours: volume capped at \(cap!)")
        _ = try? perform(ApplyQuietHours(cap: cap))
    }

    // MARK: Sleep timer

    /// Starts the sleep timer's watch when one is set, ends it (at full volume again) when not.
    func watchSleepTimer() {
        if player.sleepTimer == nil {
            sleepWatch?.cancel()
            sleepWatch = nil
            endSleepFade()
        } else if sleepWatch == nil {
            sleepWatch = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(250))
                    guard let self else { return }
                    await self.sleepTick()
                }
            }
        }
    }

    /// While a file with chapters plays: wakes when its next chapter is due and tells the player
    /// (``ChapterReached``), so `state:player` says the new chapter and `can_next` stays true
    /// only while there is one. Set again after every command (a seek, a pause, a new track);
    /// a long wait is cut into 30 s naps, so a slower clock than the engine's is caught up with.
    func watchChapter() {
        chapterWatch?.cancel()
        chapterWatch = nil
        guard player.status == .playing, let track = player.current, let index = player.chapterIndex,
              index + 1 < track.chapters.count else { return }
        let due = track.chapters[index + 1].startMs - engine.position()
        chapterWatch = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(min(max(due, 0), 30_000) + 20))
            guard !Task.isCancelled, let self else { return }
            await self.chapterDue(track.id)
        }
    }

    func chapterDue(_ track: TrackID) {
        _ = try? perform(ChapterReached(trackID: track))
    }

    /// Four times a second while a timer is set (see ``SleepFade``).
    func sleepTick() {
        guard let timer = player.sleepTimer else { return watchSleepTimer() }
        let position = player.status == .playing ? engine.position() : player.positionMs
        apply(sleepFade.tick(timer, player: player, positionMs: position, now: clock.millis))
    }

    func endSleepFade() { apply(sleepFade.end(player: player)) }

    func apply(_ step: SleepFade.Step) {
        switch step {
        case .none: break
        case .setVolume(let volume): engine.setVolume(volume, muted: player.muted)
        case .expire:
            logger.notice("sleep timer ran out: pausing")
            _ = try? perform(SleepTimerExpired())
        }
    }

    /// Keeps the player in step with edits of the playlist it plays.
    func followLibrary(_ changes: [Change], player: inout Player) {
        guard let active = player.playlist?.id else { return }
        for change in changes where change.playlistID == active {
            if case .playlistDeleted = change {
                player.unload(on: engine)
            } else if let detail = library.playlist(active) {
                player.follow(detail, on: engine)
            }
        }
    }

    // MARK: Resume points

    /// Remembers where a playlist was left when the listener leaves it (see ``ResumeRule``).
    func keepResumePoint(from old: Player, at oldPositionMs: Int64, to new: Player, naturalEnd: Bool) {
        let library = self.library
        if let decision = ResumeRule.decision(
            from: old, at: oldPositionMs, to: new, naturalEnd: naturalEnd, now: clock.millis, stillExists: { library.contains($0) }
        ) {
            decide(decision)
        }
        if let started = ResumeRule.start(from: old, to: new, now: clock.millis) { decide(started) }
    }

    /// A podcast episode keeps its own place: where it was left when the listener left it
    /// (another track, another playlist, a stop), heard to its end when it ended by itself.
    /// (Its place while it plays comes with every resume point saved, see ``decide(_:)``.)
    func keepEpisodePlace(from old: Player, at oldPositionMs: Int64, to new: Player, naturalEnd: Bool) {
        guard let track = old.current, !track.source.isLive, old.status != .stopped || naturalEnd else { return }
        let left = new.current?.id != track.id || new.playlist?.id != old.playlist?.id || new.status == .stopped
        guard left || naturalEnd else { return }
        remember(EpisodeProgress(trackID: track.id, positionMs: naturalEnd ? track.durationMs : oldPositionMs, finished: naturalEnd, updatedAt: clock.millis))
    }

    func remember(_ place: EpisodeProgress) {
        episodePlaces[place.trackID] = place
        resumeWriter.submit(place)
    }

    func saveResumePoint(_ playlist: PlaylistID, track: TrackID, at positionMs: Int64) {
        decide(.save(ResumePoint(playlistID: playlist, trackID: track, positionMs: positionMs, updatedAt: clock.millis)))
    }

    /// Remembers the decision (taps read it from here) and hands it to the writer.
    func decide(_ decision: ResumeDecision) {
        resumeDecisions[decision.playlistID] = decision
        resumeWriter.submit(decision)
        // The same place is the episode's own (a no-op on disk for a track that is no episode;
        // the writer keeps the latest per track).
        if let point = decision.point, let track = point.trackID {
            remember(EpisodeProgress(trackID: track, positionMs: point.positionMs, finished: false, updatedAt: point.updatedAt))
        }
    }

    /// Every few seconds while playing: a power cut loses at most that much.
    func saveWhilePlaying() {
        guard player.status == .playing, let playlist = player.playlist, let track = player.current, !track.source.isLive else { return }
        saveResumePoint(playlist.id, track: track.id, at: engine.position())
    }

    /// A report from the engine's thread becomes a command like any other.
    func handle(_ report: PlaybackReport) {
        switch report {
        case .finished(let track):
            _ = try? perform(TrackFinished(trackID: track))
        case .failed(let track, let error):
            logger.warning("track \(track) cannot be played: \(error.message); skipping it")
            // Told to the listeners (ephemeral: not a change of state), then skipped like a finished track.
            let known = player.order.first { $0.id == track }
            publisher.publish(StateEvent(
                payload: .playbackError(PlaybackProblem(trackID: track, playlistID: player.playlist?.id, title: known?.title, error: error)),
                serverSeq: serverSeq, serverEpoch: serverEpoch, timestamp: clock.millis, eventID: eventIDs.next(), rooms: [.playlists]
            ))
            playFeedback(.error)
            _ = try? perform(TrackFinished(trackID: track))
        case .outputLost(let error):
            logger.error("audio output lost: \(error.message); playback paused until it returns")
            _ = try? perform(OutputLost())
        case .outputRestored:
            logger.notice("audio output is back")
            _ = try? perform(OutputRestored())
        case .streamTitle(let track, let title):
            _ = try? perform(StreamTitleChanged(trackID: track, title: title))
        case .streamConnected(let track, let connected):
            logger.notice(connected ? "stream \(track) is back" : "stream \(track) dropped; reconnecting")
            _ = try? perform(StreamConnectionChanged(trackID: track, connected: connected))
        }
    }
}
