import Foundation
import MediaLibrary
@_spi(Simulation) import MusicBoxCore
import Testing

@_spi(Simulation) @testable import Audio

@Suite("Quiet hours: a lower cap (or no music) in a daily window, with a controllable clock")
struct QuietHoursTests {
    static var options: StateManager.Options {
        var options = StateManager.Options()
        options.quietHoursCheckInterval = .milliseconds(20)
        return options
    }

    static func harness(_ clock: SteeredClock, seed: @escaping (GRDBLibraryStore) throws -> Void = { _ in }) throws -> StateHarness {
        try StateHarness(options: options, clock: clock.wall, seed: seed)
    }

    @Test("the window, also across midnight, and the time format")
    func window() {
        let calendar = Calendar.current
        let day = Date(timeIntervalSince1970: 1_700_000_000)
        func at(_ hour: Int, _ minute: Int) -> Date { calendar.date(bySettingHour: hour, minute: minute, second: 0, of: day)! }
        let night = QuietHours(enabled: true, start: 19 * 60 + 30, end: 7 * 60, maxVolume: 20)
        #expect(night.isActive(at: at(19, 30)) && night.isActive(at: at(23, 59)) && night.isActive(at: at(0, 0)) && night.isActive(at: at(6, 59)))
        #expect(!night.isActive(at: at(7, 0)) && !night.isActive(at: at(12, 0)) && !night.isActive(at: at(19, 29)))
        let nap = QuietHours(enabled: true, start: 13 * 60, end: 15 * 60, maxVolume: 0)
        #expect(nap.isActive(at: at(14, 0)) && !nap.isActive(at: at(15, 0)) && !nap.isActive(at: at(12, 59)))
        var off = night
        off.enabled = false
        #expect(!off.isActive(at: at(22, 0)))
        #expect(QuietHours.minutes("07:05") == 425 && QuietHours.text(425) == "07:05")
        for bad in ["7:05", "24:00", "12:60", "ab:cd", "1200", ""] { #expect(QuietHours.minutes(bad) == nil, "\(bad)") }
    }

    @Test("the cap comes down when the window begins and goes back when it ends; louder is turned down")
    func cap() async throws {
        let clock = SteeredClock()
        clock.set(hour: 18, minute: 0)
        var playlist: PlaylistDetail!
        let harness = try Self.harness(clock) { playlist = try StateHarness.seedPlaylist($0, title: "Day", durations: [3_600_000]) }
        defer { harness.manager.shutdown() }
        let manager = harness.manager
        _ = try await manager.perform(UpdateSettings(
            quietHoursEnabled: true, quietHoursStart: "19:30", quietHoursEnd: "07:00", quietHoursMaxVolume: 20
        ))
        _ = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id))
        _ = try await manager.perform(SetVolume(volume: 60))
        #expect(harness.engine.output.volume == 60)
        clock.set(hour: 19, minute: 31)
        try await waitFor { await manager.playerState.quietHoursActive }
        var state = await manager.playerState
        #expect(state.maxVolume == 20 && state.volume == 20 && state.status == .playing)
        #expect(harness.engine.output.volume == 20)
        #expect(try await manager.perform(SetVolume(volume: 80)).value.volume == 20)
        // The parents' own cap is unchanged in the settings.
        #expect(try await manager.settings().maxVolume == 100)
        clock.set(hour: 7, minute: 0)
        try await waitFor { await !manager.playerState.quietHoursActive }
        state = await manager.playerState
        // The volume the window lowered comes back with the morning.
        #expect(state.maxVolume == 100 && state.volume == 60)
        #expect(harness.engine.output.volume == 60)

        // Changed by somebody during the window: their volume stays.
        clock.set(hour: 20, minute: 0)
        try await waitFor { await manager.playerState.quietHoursActive }
        #expect(await manager.playerState.volume == 20)
        _ = try await manager.perform(SetVolume(volume: 12))
        clock.set(hour: 7, minute: 1)
        try await waitFor { await !manager.playerState.quietHoursActive }
        #expect(await manager.playerState.volume == 12)
        #expect(try await manager.perform(SetVolume(volume: 70)).value.volume == 70)
    }

    @Test("a window with no music gives the volume back when it ends, and a box started in the window gets its start-up volume after it")
    func morningIsNotSilent() async throws {
        let clock = SteeredClock()
        clock.set(hour: 18, minute: 0)
        var playlist: PlaylistDetail!
        let harness = try Self.harness(clock) { store in
            playlist = try StateHarness.seedPlaylist(store, title: "Night", durations: [3_600_000])
            try store.write { try $0.setSetting(BoxSettings.startupVolume, to: 45, now: 0) }
        }
        let manager = harness.manager
        _ = try await manager.perform(UpdateSettings(
            quietHoursEnabled: true, quietHoursStart: "19:30", quietHoursEnd: "07:00", quietHoursMaxVolume: 0
        ))
        _ = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id))
        _ = try await manager.perform(SetVolume(volume: 55))
        clock.set(hour: 19, minute: 30)
        try await waitFor { await manager.playerState.status == .paused }
        #expect(await manager.playerState.volume == 0)
        clock.set(hour: 7, minute: 0)
        try await waitFor { await !manager.playerState.quietHoursActive }
        #expect(await manager.playerState.volume == 55)
        _ = try await manager.perform(Play())
        #expect(harness.engine.output.volume == 55)
        harness.manager.shutdown()

        // Started at night (a power cut): the volume is 0 until the window ends, then the start-up volume.
        clock.set(hour: 23, minute: 0)
        let night = try StateManager(store: harness.store, engine: SimulatedPlaybackEngine(), publisher: EventRecorder(), options: Self.options, clock: clock.wall)
        defer { night.shutdown() }
        #expect(await night.playerState.volume == 0)
        clock.set(hour: 7, minute: 0)
        try await waitFor { await !night.playerState.quietHoursActive }
        #expect(await night.playerState.volume == 45)
    }

    @Test("a cap of 0 pauses what plays and refuses to start music until the window ends")
    func noMusic() async throws {
        let clock = SteeredClock()
        clock.set(hour: 12, minute: 0)
        var playlist: PlaylistDetail!
        let harness = try Self.harness(clock) { playlist = try StateHarness.seedPlaylist($0, title: "Nap", durations: [3_600_000]) }
        defer { harness.manager.shutdown() }
        let manager = harness.manager
        _ = try await manager.perform(UpdateSettings(
            quietHoursEnabled: true, quietHoursStart: "13:00", quietHoursEnd: "15:00", quietHoursMaxVolume: 0
        ))
        _ = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id))
        clock.set(hour: 13, minute: 0)
        try await waitFor { await manager.playerState.status == .paused }
        for command in [AnyStart.play, .playlist, .toggle] {
            do {
                switch command {
                case .play: _ = try await manager.perform(Play())
                case .playlist: _ = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id))
                case .toggle: _ = try await manager.perform(TogglePlayback())
                }
                Issue.record("\(command) started music in quiet hours")
            } catch {
                #expect(error.code == .forbidden && error.details["reason"] == "quiet_hours" && error.details["until"] == "15:00")
            }
        }
        #expect(await manager.playerState.status == .paused)
        // Turning quiet hours off in the settings lifts it at once.
        _ = try await manager.perform(UpdateSettings(quietHoursEnabled: false))
        try await waitFor { await !manager.playerState.quietHoursActive }
        _ = try await manager.perform(Play())
        #expect(await manager.playerState.status == .playing)
        _ = try await manager.perform(Stop())
    }

    enum AnyStart { case play, playlist, toggle }

    @Test("bad quiet-hours settings are refused and change nothing")
    func validation() async throws {
        let harness = try Self.harness(SteeredClock())
        defer { harness.manager.shutdown() }
        let manager = harness.manager
        for bad in [UpdateSettings(quietHoursStart: "7:00"), UpdateSettings(quietHoursEnd: "25:00"), UpdateSettings(quietHoursMaxVolume: 101),
                    UpdateSettings(maxVolume: 50, quietHoursStart: "x")] {
            await #expect(throws: BoxError.self) { try await manager.perform(bad) }
        }
        let settings = try await manager.settings()
        #expect(settings.maxVolume == 100 && settings.quietHoursStart == "19:30" && settings.quietHoursEnd == "07:00" && !settings.quietHoursEnabled)
    }
}
