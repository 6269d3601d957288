import Foundation
import MediaLibrary
@_spi(Simulation) import MusicBoxCore
import Synchronization
import Testing

@_spi(Simulation) @testable import Audio

/// A wall clock the test moves by hand.
final class SteeredClock: Sendable {
    private let date = Mutex(Date(timeIntervalSince1970: 1_700_000_000))
    var wall: WallClock { WallClock { [self] in date.withLock { $0 } } }
    func advance(_ seconds: TimeInterval) { date.withLock { $0 = $0.addingTimeInterval(seconds) } }
    /// Today (of the steered date) at `hour:minute` in the box's local time.
    func set(hour: Int, minute: Int) {
        date.withLock { $0 = Calendar.current.date(bySettingHour: hour, minute: minute, second: 0, of: $0)! }
    }
}

@Suite("Sleep timer: a fade-out, then a pause on time, at the end of the track or of the playlist")
struct SleepTimerTests {
    @Test("a minutes timer fades the last 10 s and pauses at the time; the volume comes back for the next play")
    func minutes() async throws {
        let clock = SteeredClock()
        var playlist: PlaylistDetail!
        let harness = try StateHarness(clock: clock.wall) { playlist = try StateHarness.seedPlaylist($0, title: "Night", durations: [3_600_000]) }
        defer { harness.manager.shutdown() }
        let manager = harness.manager
        _ = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id))
        let set = try await manager.perform(SetSleepTimer(mode: "minutes", minutes: 2)).value
        #expect(set.sleepTimerMode == "minutes" && set.sleepTimerEndsAt == 1_700_000_000_000 + 120_000)
        // 5 s before the end: half way down the fade.
        clock.advance(115)
        try await waitFor { harness.engine.output.volume == 25 }
        #expect(await manager.playerState.volume == 50)  // what clients see stays the listener's volume
        clock.advance(5)
        try await waitFor { await manager.playerState.status == .paused }
        let after = await manager.playerState
        #expect(after.sleepTimerMode == "off" && after.sleepTimerEndsAt == nil)
        #expect(harness.engine.output.volume == 50)
    }

    @Test("turning the timer off during the fade gives the volume back at once")
    func offDuringFade() async throws {
        let clock = SteeredClock()
        var playlist: PlaylistDetail!
        let harness = try StateHarness(clock: clock.wall) { playlist = try StateHarness.seedPlaylist($0, title: "Night", durations: [3_600_000]) }
        defer { harness.manager.shutdown() }
        let manager = harness.manager
        _ = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id))
        _ = try await manager.perform(SetSleepTimer(mode: "minutes", minutes: 1))
        clock.advance(58)
        try await waitFor { harness.engine.output.volume == 10 }
        _ = try await manager.perform(SetSleepTimer(mode: "off"))
        #expect(harness.engine.output.volume == 50)
        #expect(await manager.playerState.status == .playing)
    }

    @Test("end of track: the next track waits, paused at its start; the timer is then off")
    func endOfTrack() async throws {
        var playlist: PlaylistDetail!
        // 100x speed: 30 s tracks end after 300 ms.
        let harness = try StateHarness(speed: 100) { playlist = try StateHarness.seedPlaylist($0, title: "Short", durations: [30_000, 30_000, 30_000]) }
        defer { harness.manager.shutdown() }
        let manager = harness.manager
        // Set first (a timer may be set before anything plays): a loaded machine must not race the track's end.
        #expect(try await manager.perform(SetSleepTimer(mode: "end_of_track")).value.sleepTimerMode == "end_of_track")
        _ = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id))
        try await waitFor { await manager.playerState.status == .paused }
        let state = await manager.playerState
        #expect(state.trackIndex == 1 && state.positionMs == 0 && state.sleepTimerMode == "off", "\(state)")
        // Play goes on with that next track.
        _ = try await manager.perform(Play())
        #expect(await manager.playerState.trackIndex == 1)
        _ = try await manager.perform(Stop())
    }

    @Test("end of playlist: repeat is ignored for the last track, and playback stops there")
    func endOfPlaylist() async throws {
        var playlist: PlaylistDetail!
        let harness = try StateHarness(speed: 100) { playlist = try StateHarness.seedPlaylist($0, title: "Short", durations: [30_000, 30_000]) }
        defer { harness.manager.shutdown() }
        let manager = harness.manager
        _ = try await manager.perform(SetRepeatMode(mode: .all))
        _ = try await manager.perform(SetSleepTimer(mode: "end_of_playlist"))
        _ = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id))
        try await waitFor { await manager.playerState.status == .stopped }
        let players = harness.recorder.sequenced.compactMap { event -> PlayerState? in
            if case .player(let state) = event.payload { return state }
            return nil
        }
        // Both tracks played, then it stopped instead of going round again.
        #expect(players.contains { $0.trackIndex == 1 && $0.status == .playing })
        #expect(await manager.playerState.sleepTimerMode == "off")
    }

    @Test("bad timers are refused; minutes without a number use the setting")
    func validation() async throws {
        let harness = try StateHarness()
        defer { harness.manager.shutdown() }
        let manager = harness.manager
        for bad in [SetSleepTimer(mode: "minutes", minutes: 0), SetSleepTimer(mode: "minutes", minutes: 721), SetSleepTimer(mode: "later")] {
            await #expect(throws: BoxError.self) { try await manager.perform(bad) }
        }
        _ = try await manager.perform(UpdateSettings(sleepTimerMinutes: 45))
        let state = try await manager.perform(SetSleepTimer(mode: "minutes")).value
        let endsIn: Int64? = state.sleepTimerEndsAt.map { $0 - 1_700_000_000_000 }
        #expect(endsIn == Int64(45 * 60_000), "\(String(describing: state.sleepTimerEndsAt))")
        #expect(try await manager.settings().sleepTimerMinutes == 45)
    }
}
