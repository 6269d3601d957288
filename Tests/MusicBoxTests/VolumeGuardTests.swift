@_spi(Simulation) import Audio
import Foundation
import MediaLibrary
@_spi(Simulation) import MusicBoxCore
import Testing

@Suite("Volume guards: a floor the box never goes under, and the start-up volume again after a quiet while")
struct VolumeGuardTests {
    let tag = TagID("04a1b2c3d4e5f6")!

    @Test("min_volume: no request, step or quiet-hours end goes under it; raised at once; never above the cap; quiet hours still win")
    func floor() async throws {
        let clock = SteeredClock()
        clock.set(hour: 12, minute: 0)
        var options = StateManager.Options()
        options.quietHoursCheckInterval = .milliseconds(20)
        var playlist: PlaylistDetail!
        let harness = try StateHarness(options: options, clock: clock.wall) { playlist = try StateHarness.seedPlaylist($0, title: "Day", durations: [3_600_000]) }
        defer { harness.manager.shutdown() }
        let manager = harness.manager
        _ = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id))
        _ = try await manager.perform(SetVolume(volume: 5))
        // A floor above the volume turns it up at once, to the floor.
        let settings = try await manager.perform(UpdateSettings(minVolume: 20)).value
        #expect(settings.minVolume == 20)
        #expect(await manager.playerState.volume == 20 && harness.engine.output.volume == 20)
        #expect(try await manager.perform(SetVolume(volume: 0)).value.volume == 20)
        _ = try await manager.perform(SetVolume(volume: 30))
        #expect(try await manager.perform(ChangeVolume(by: -50)).value.volume == 20)
        // Floor and cap are checked together.
        for bad in [UpdateSettings(maxVolume: 50, minVolume: 60), UpdateSettings(maxVolume: 10), UpdateSettings(minVolume: 101)] {
            do {
                _ = try await manager.perform(bad)
                Issue.record("\(bad) was taken")
            } catch {
                #expect(error.code == .validationError)
            }
        }
        #expect(try await manager.settings().maxVolume == 100)
        // Quiet hours with a cap under the floor: the cap wins (no music means none).
        _ = try await manager.perform(UpdateSettings(quietHoursEnabled: true, quietHoursStart: "13:00", quietHoursEnd: "14:00", quietHoursMaxVolume: 10))
        clock.set(hour: 13, minute: 0)
        try await waitFor { await manager.playerState.quietHoursActive }
        #expect(await manager.playerState.volume == 10)
        clock.set(hour: 14, minute: 0)
        try await waitFor { await !manager.playerState.quietHoursActive }
        #expect(await manager.playerState.volume == 20)
    }

    @Test("after startup_volume_after_idle_minutes of silence a tap starts at the start-up volume; sooner it keeps the volume; a tap unmutes")
    func idleReset() async throws {
        let clock = SteeredClock()
        var playlist: PlaylistDetail!
        let harness = try StateHarness(clock: clock.wall) { playlist = try StateHarness.seedPlaylist($0, title: "Songs", durations: [3_600_000]) }
        defer { harness.manager.shutdown() }
        let manager = harness.manager
        _ = try await manager.perform(LinkTag(tag: tag, playlistID: playlist.summary.id))
        _ = try await manager.perform(UpdateSettings(startupVolume: 40, startupVolumeAfterIdleMinutes: 30))
        await #expect(throws: BoxError.self) { try await manager.perform(UpdateSettings(startupVolumeAfterIdleMinutes: 1441)) }
        #expect(await manager.tag(.placed(tag)).action == .started)
        _ = try await manager.perform(SetVolume(volume: 80))
        #expect(await manager.tag(.removed(tag)).action == .paused)
        clock.advance(10 * 60)
        #expect(await manager.tag(.placed(tag)).action == .resumed)
        #expect(await manager.playerState.volume == 80)  // ten minutes: the volume stays
        // Paused, muted, and left for the night.
        #expect(await manager.tag(.removed(tag)).action == .paused)
        _ = try await manager.perform(SetVolume(muted: true))
        clock.advance(31 * 60)
        #expect(await manager.tag(.placed(tag)).action == .resumed)
        let morning = await manager.playerState
        #expect(morning.volume == 40 && !morning.muted && morning.status == .playing)
        #expect(harness.engine.output.volume == 40)
        // Playing all along is no silence: a second tap changes nothing.
        _ = try await manager.perform(SetVolume(volume: 70))
        clock.advance(60 * 60)
        #expect(await manager.tag(.placed(tag)).action == .continued)
        #expect(await manager.playerState.volume == 70)
    }
}
