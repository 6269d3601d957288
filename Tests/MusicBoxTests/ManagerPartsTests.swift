@testable import MusicBoxCore
import Testing

/// The pure pieces the state manager is made of, with the time passed in.
@Suite("State manager parts: feedback gate, sleep fade, resume rule")
struct ManagerPartsTests {
    static func player(status: PlaybackStatus = .playing, volume: Int = 60, tracks: Int = 2, index: Int = 0) -> Player {
        var player = Player()
        player.status = status
        player.volume = volume
        player.playlist = summary(playlistID)
        player.order = (0..<tracks).map { number in
            Track(id: TrackID(), playlistID: playlistID, trackNumber: number + 1, title: "T\(number)", artist: nil, album: nil,
                  durationMs: 60_000, filename: "t.mp3", fileSize: 1, createdAt: 1)
        }
        player.index = index
        return player
    }

    static let playlistID = PlaylistID()

    static func summary(_ id: PlaylistID) -> PlaylistSummary {
        PlaylistSummary(id: id, title: "P", description: "", nfcTagID: nil, trackCount: 2, totalDurationMs: 120_000, position: 0, createdAt: 1, updatedAt: 1)
    }

    @Test("feedback: off switches, mute, quiet without music and the cap silence it; one cue per 2 s unless tried")
    func feedbackGate() {
        let start = ContinuousClock.now
        var gate = FeedbackGate(boxAllows: true, sounds: FeedbackSounds(enabled: true, volume: 30))
        var player = Self.player()
        #expect(gate.admit(.error, player: player, at: start) == 30)
        #expect(gate.admit(.error, player: player, at: start + .seconds(1)) == nil)
        #expect(gate.admit(.unknownTag, player: player, at: start + .seconds(1)) == 30)
        #expect(gate.admit(.unknownTag, player: player, at: start + .milliseconds(1500), evenIfJustPlayed: true) == 30)
        #expect(gate.admit(.error, player: player, at: start + .seconds(3)) == 30)
        player.maxVolume = 20
        #expect(gate.admit(.ready, player: player, at: start + .seconds(10)) == 20)
        player.muted = true
        #expect(gate.admit(.goodbye, player: player, at: start + .seconds(20), evenIfJustPlayed: true) == nil)
        player.muted = false
        player.quietCap = 0
        #expect(gate.admit(.goodbye, player: player, at: start + .seconds(30), evenIfJustPlayed: true) == nil)
        var off = FeedbackGate(boxAllows: false, sounds: FeedbackSounds(enabled: true, volume: 30))
        #expect(off.admit(.ready, player: Self.player(), at: start) == nil)
        var parentsOff = FeedbackGate(boxAllows: true, sounds: FeedbackSounds(enabled: false, volume: 30))
        #expect(parentsOff.admit(.ready, player: Self.player(), at: start) == nil)
    }

    @Test("sleep fade: full volume until the last 10 s, then down to 0, then the pause; the volume comes back")
    func sleepFade() {
        var fade = SleepFade()
        let player = Self.player(volume: 60)
        let ends: EpochMillis = 1_000_000
        let timer = SleepTimer.at(ends)
        #expect(fade.tick(timer, player: player, positionMs: 0, now: ends - 20_000) == .none)
        #expect(fade.tick(timer, player: player, positionMs: 0, now: ends - 5_000) == .setVolume(30))
        #expect(fade.tick(timer, player: player, positionMs: 0, now: ends - 5_000) == .none)  // told once
        #expect(fade.tick(timer, player: player, positionMs: 0, now: ends - 1_000) == .setVolume(6))
        #expect(fade.tick(timer, player: player, positionMs: 0, now: ends) == .expire)
        #expect(fade.end(player: player) == .setVolume(60))
        #expect(fade.end(player: player) == .none)
        // Paused during the fade: back to full (nothing to hear fading).
        _ = fade.tick(timer, player: player, positionMs: 0, now: ends - 5_000)
        #expect(fade.tick(timer, player: Self.player(status: .paused, volume: 60), positionMs: 0, now: ends - 4_000) == .setVolume(60))
        // End of track: fades over the track's last 10 s.
        var trackEnd = SleepFade()
        #expect(trackEnd.tick(.endOfTrack, player: player, positionMs: 40_000, now: 0) == .none)
        #expect(trackEnd.tick(.endOfTrack, player: player, positionMs: 57_500, now: 0) == .setVolume(15))
    }

    @Test("resume rule: a switch, a pause, a stop, the next track and a seek remember; a natural end forgets; a deleted playlist is left alone")
    func resumeRule() {
        let playing = Self.player(status: .playing, index: 1)
        let exists: (PlaylistID) -> Bool = { _ in true }
        var paused = playing
        paused.status = .paused
        paused.positionMs = 12_345
        guard case .save(let point)? = ResumeRule.decision(from: playing, at: 12_300, to: paused, naturalEnd: false, now: 7, stillExists: exists) else {
            Issue.record("a pause remembers")
            return
        }
        #expect(point == ResumePoint(playlistID: Self.playlistID, trackID: playing.order[1].id, positionMs: 12_345, updatedAt: 7))
        var other = Self.player()
        other.playlist = Self.summary(PlaylistID())
        #expect(ResumeRule.decision(from: playing, at: 9_000, to: other, naturalEnd: false, now: 7, stillExists: exists)?.point?.positionMs == 9_000)
        var stopped = playing
        stopped.status = .stopped
        #expect(ResumeRule.decision(from: playing, at: 5_000, to: stopped, naturalEnd: false, now: 7, stillExists: exists)?.point?.positionMs == 5_000)
        #expect(ResumeRule.decision(from: playing, at: 60_000, to: stopped, naturalEnd: true, now: 7, stillExists: exists) == .clear(Self.playlistID))
        #expect(ResumeRule.decision(from: playing, at: 5_000, to: playing, naturalEnd: false, now: 7, stillExists: exists) == nil)
        // On to the next track (a skip, or the end of one): its start is where to come back to.
        var next = playing
        next.index = 0
        next.positionMs = 0
        let skipped = ResumeRule.decision(from: playing, at: 5_000, to: next, naturalEnd: true, now: 7, stillExists: exists)?.point
        #expect(skipped?.trackID == next.current?.id && skipped?.positionMs == 0)
        // A seek, playing or paused.
        var sought = paused
        sought.positionMs = 90_000
        #expect(ResumeRule.decision(from: paused, at: 12_345, to: sought, naturalEnd: false, now: 7, stillExists: exists)?.point?.positionMs == 90_000)
        // A playlist that starts (after nothing, or after another, or from stopped) is remembered
        // where it starts; one already playing is left to the rules above.
        var started = playing
        started.positionMs = 0
        #expect(ResumeRule.start(from: Player(), to: started, now: 7)?.point?.positionMs == 0)
        #expect(ResumeRule.start(from: stopped, to: started, now: 7)?.point?.trackID == started.current?.id)
        #expect(ResumeRule.start(from: playing, to: started, now: 7) == nil)
        #expect(ResumeRule.start(from: Player(), to: Player(), now: 7) == nil)
        var unloaded = Player()
        unloaded.status = .stopped
        #expect(ResumeRule.decision(from: playing, at: 5_000, to: unloaded, naturalEnd: false, now: 7, stillExists: { _ in false }) == nil)
    }
}
