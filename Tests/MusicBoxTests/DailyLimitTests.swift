@_spi(Simulation) import Audio
import Foundation
import MediaLibrary
@_spi(Simulation) import MusicBoxCore
import Testing

@Suite("The daily listening limit, on a steered clock")
struct DailyLimitTests {
    @Test("only playing time counts, at most a few seconds per tick; a new day starts afresh; parents add minutes")
    func counting() {
        let calendar = Calendar.current
        let morning = calendar.date(bySettingHour: 8, minute: 0, second: 0, of: Date(timeIntervalSince1970: 1_800_000_000))!
        var limit = DailyLimit(limitMs: 2 * 60_000, today: ListeningDay(day: DailyLimit.dayKey(morning)))
        limit.tick(playing: true, at: morning)
        for second in 1...60 { limit.tick(playing: true, at: morning.addingTimeInterval(Double(second))) }
        #expect(limit.today.listenedMs == 60_000 && !limit.reached && limit.remainingMs == 60_000)
        // Paused for ten minutes: nothing counted. A jump of the clock counts 5 s at most.
        limit.tick(playing: false, at: morning.addingTimeInterval(660))
        limit.tick(playing: true, at: morning.addingTimeInterval(3600))
        #expect(limit.today.listenedMs == 65_000)
        for second in 1...55 { limit.tick(playing: true, at: morning.addingTimeInterval(3600 + Double(second))) }
        #expect(limit.reached && limit.remainingMs == 0)
        limit.extend(byMinutes: 1, at: morning.addingTimeInterval(3700))
        #expect(!limit.reached && limit.today.extraMs == 60_000)
        // The next day starts at zero, without yesterday's extra minutes.
        let tomorrow = morning.addingTimeInterval(24 * 3600)
        let changed = limit.tick(playing: false, at: tomorrow)
        #expect(changed)
        #expect(limit.today == ListeningDay(day: DailyLimit.dayKey(tomorrow)) && !limit.reached)
        var none = DailyLimit(limitMs: 0, today: ListeningDay(day: "x"))
        none.tick(playing: true, at: morning)
        #expect(!none.reached && none.remainingMs == nil)
    }

    @Test("used up: what plays pauses with the goodbye sound, nothing starts (a tap neither), parents' minutes lift it; the count survives a restart")
    func throughTheManager() async throws {
        let clock = SteeredClock()
        clock.set(hour: 9, minute: 0)
        var options = StateManager.Options()
        options.quietHoursCheckInterval = .milliseconds(20)
        var playlist: PlaylistDetail!
        let tag = TagID("04aabbccddeeff")!
        let harness = try StateHarness(options: options, clock: clock.wall) { playlist = try StateHarness.seedPlaylist($0, title: "Songs", durations: [3_600_000]) }
        let manager = harness.manager
        _ = try await manager.perform(LinkTag(tag: tag, playlistID: playlist.summary.id))
        #expect(try await manager.perform(UpdateSettings(dailyLimitMinutes: 1)).value.dailyLimitMinutes == 1)
        await #expect(throws: BoxError.self) { try await manager.perform(UpdateSettings(dailyLimitMinutes: 1441)) }
        _ = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id))
        // A minute of playing, in 5 s steps the manager's checks see. A check counts at most 5 s
        // (a clock that jumps counts no more), so on a loaded machine a check that misses a step
        // leaves some uncounted: step on until the minute is full, but never before 12 steps.
        var steps = 0
        while await !manager.playerState.dailyLimitReached, steps < 40 {
            clock.advance(5)
            steps += 1
            try await Task.sleep(for: .milliseconds(60))
        }
        try await waitFor { await manager.playerState.dailyLimitReached }
        #expect(steps >= 12, "reached after \(steps) steps of 5 s")
        var state = await manager.playerState
        #expect(state.status == .paused)
        #expect(harness.engine.playedCues.last?.cue == .goodbye)
        let status = await manager.listening()
        #expect(status.reached && status.limitMinutes == 1 && status.remainingMinutes == 0)
        do {
            _ = try await manager.perform(Play())
            Issue.record("played past the limit")
        } catch {
            #expect(error.code == .forbidden && error.details["reason"] == "daily_limit")
        }
        #expect(await manager.tag(.placed(tag)).action == .none)
        #expect(await manager.playerState.status == .paused)
        await #expect(throws: BoxError.self) { try await manager.extendListening(minutes: 0) }
        let extended = try await manager.extendListening(minutes: 10)
        #expect(!extended.reached && extended.extraMinutes == 10)
        try await waitFor { await !manager.playerState.dailyLimitReached }
        _ = try await manager.perform(Play())
        state = await manager.playerState
        #expect(state.status == .playing)
        _ = try await manager.perform(Pause())
        manager.shutdown()

        // Restarted the same day: the count and the extra minutes are still there.
        let again = try StateManager(store: harness.store, engine: SimulatedPlaybackEngine(), publisher: EventRecorder(), options: options, clock: clock.wall)
        defer { again.shutdown() }
        let kept = await again.listening()
        #expect(kept.listenedMinutes == 1 && kept.extraMinutes == 10 && !kept.reached)
        // The next morning: a fresh day.
        clock.advance(24 * 3600)
        try await waitFor {
            let fresh = await again.listening()
            return fresh.listenedMinutes == 0 && fresh.extraMinutes == 0
        }
    }
}
