@_spi(Simulation) import Audio
import Foundation
import MediaLibrary
@_spi(Simulation) import MusicBoxCore
import Testing

@Suite("Player through the state manager")
struct PlayerTests {
    @Test("play, pause, next, previous, seek, volume publish state:player with the contract's fields")
    func controls() async throws {
        var playlist: PlaylistDetail!
        let harness = try StateHarness { playlist = try StateHarness.seedPlaylist($0, title: "Songs", durations: [60_000, 60_000, 60_000]) }
        let manager = harness.manager

        let playing = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id)).value
        #expect(playing.status == .playing && playing.trackIndex == 0 && playing.trackCount == 3)
        #expect(playing.activeTrack?.id == playlist.tracks[0].id && playing.activePlaylistTitle == "Songs")
        #expect(playing.canNext && playing.canPrev)  // previous restarts the first track

        let next = try await manager.perform(NextTrack()).value
        #expect(next.activeTrack?.id == playlist.tracks[1].id && next.canPrev)
        let seeked = try await manager.perform(Seek(positionMs: 10_000)).value
        #expect(seeked.positionMs >= 10_000 && seeked.positionMs < 11_000)
        // More than 3 s in, "previous" restarts the track.
        let restarted = try await manager.perform(PreviousTrack()).value
        #expect(restarted.trackIndex == 1 && restarted.positionMs < 1000)
        let previous = try await manager.perform(PreviousTrack()).value
        #expect(previous.trackIndex == 0)

        let paused = try await manager.perform(Pause()).value
        #expect(paused.status == .paused && paused.isPaused && !paused.isPlaying)
        // Pausing again changes nothing and publishes nothing.
        let before = harness.recorder.sequenced.count
        _ = try await manager.perform(Pause())
        #expect(harness.recorder.sequenced.count == before)

        let loud = try await manager.perform(SetVolume(volume: 80, muted: true)).value
        #expect(loud.volume == 80 && loud.muted)
        #expect(harness.engine.output == (80, true))
        await #expect(throws: BoxError.self) { try await manager.perform(SetVolume(volume: 101)) }
        await #expect(throws: BoxError.self) { try await manager.perform(Seek(positionMs: 61_000)) }

        // Every player change was published as state:player, numbered like any change.
        let players = harness.recorder.sequenced.filter { $0.type == .player }
        #expect(players.count == 7)
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(players.last!.payload)) as? [String: Any])
        #expect(Set(json.keys) == [
            "is_playing", "is_paused", "state", "active_playlist_id", "active_playlist_title", "active_track",
            "active_track_id", "track_index", "track_count", "position_ms", "duration_ms", "volume", "max_volume",
            "muted", "repeat_mode", "shuffle_enabled", "can_next", "can_prev", "sleep_timer_ends_at", "sleep_timer_mode", "quiet_hours_active",
            "source", "stream_title", "stream_status", "toddler_lock", "daily_limit_reached", "chapter",
        ])
        #expect(json["state"] as? String == "paused")
        #expect(json["sleep_timer_ends_at"] is NSNull)
    }

    @Test("play with nothing loaded continues the playlist left last (after a restart too); with none left, a clear refusal")
    func playContinuesTheLastPlaylist() async throws {
        var stories: PlaylistDetail!, songs: PlaylistDetail!
        let clock = SteeredClock()
        let harness = try StateHarness(clock: clock.wall) {
            stories = try StateHarness.seedPlaylist($0, title: "Stories", durations: [600_000, 600_000])
            songs = try StateHarness.seedPlaylist($0, title: "Songs", durations: [60_000])
        }
        do {
            _ = try await harness.manager.perform(Play())
            Issue.record("played with nothing ever played")
        } catch {
            #expect(error.code == .conflict && error.details["reason"] == "nothing_loaded")
        }
        _ = try await harness.manager.perform(PlayPlaylist(playlistID: songs.summary.id))
        _ = try await harness.manager.perform(Pause())
        clock.advance(60)
        _ = try await harness.manager.perform(PlayPlaylist(playlistID: stories.summary.id, trackIndex: 1, positionMs: 42_000))
        clock.advance(1)  // the switch saved where Songs was left, now; the pause saves the story after it
        _ = try await harness.manager.perform(Pause())
        harness.manager.shutdown()

        // The box starts again: nothing loaded, and the play button continues the story.
        let engine = SimulatedPlaybackEngine()
        let again = try StateManager(store: harness.store, engine: engine, publisher: EventRecorder(), clock: clock.wall)
        defer { again.shutdown() }
        #expect(await again.playerState.activeTrack == nil)
        let playing = try await again.perform(Play()).value
        #expect(playing.status == .playing && playing.activePlaylistID == stories.summary.id && playing.trackIndex == 1)
        #expect(playing.positionMs >= 42_000 && playing.positionMs < 43_000)
    }

    @Test("the end of a track advances as the repeat mode says, and stops after the last")
    func autoAdvance() async throws {
        var playlist: PlaylistDetail!
        // 100x speed: 2 s tracks end after 20 ms.
        let harness = try StateHarness(speed: 100) { playlist = try StateHarness.seedPlaylist($0, title: "Short", durations: [2000, 2000]) }
        let manager = harness.manager
        _ = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id))
        try await waitFor { await manager.playerState.status == .stopped }
        let players = harness.recorder.sequenced.compactMap { event -> PlayerState? in
            if case .player(let state) = event.payload { return state }
            return nil
        }
        #expect(players.map(\.trackIndex) == [0, 1, 0])
        #expect(players.map(\.status) == [.playing, .playing, .stopped])

        _ = try await manager.perform(SetRepeatMode(mode: .all))
        _ = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id, trackIndex: 1))
        try await waitFor { await manager.playerState.trackIndex == 0 }
        #expect(await manager.playerState.status == .playing)
        _ = try await manager.perform(Stop())
    }

    @Test("gapless: the engine goes on into the track it was told ahead, and the manager's decision is the same one")
    func gaplessHandover() async throws {
        var playlist: PlaylistDetail!
        // Hour-long tracks whose ends the test brings on (endCurrentTrack), so no clock is raced.
        let harness = try StateHarness { playlist = try StateHarness.seedPlaylist($0, title: "Long", durations: [3_600_000, 3_600_000, 3_600_000]) }
        let manager = harness.manager
        let engine = harness.engine
        let ids = playlist.tracks.map(\.id)
        _ = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id))
        for next in 1...2 {
            engine.endCurrentTrack()
            try await waitFor { await manager.playerState.trackIndex == next }
            #expect(await manager.playerState.status == .playing)
        }
        engine.endCurrentTrack()
        try await waitFor { await manager.playerState.status == .stopped }
        let players = harness.recorder.sequenced.compactMap { event -> PlayerState? in
            if case .player(let state) = event.payload { return state }
            return nil
        }
        #expect(players.map(\.trackIndex) == [0, 1, 2, 0])
        // Only the first track was loaded: the second and third were handed over by the engine
        // itself, and the manager's load of each at 0 changed nothing there.
        #expect(engine.loadedTracks == [ids[0]])

        // Repeat one: the engine goes on into the same track, with no reload.
        _ = try await manager.perform(SetRepeatMode(mode: .one))
        _ = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id, trackIndex: 1))
        for _ in 0..<2 {
            // Each end once the manager has handled the one before (it tells the engine again
            // what follows): two reports naming the same track are otherwise indistinguishable.
            try await waitFor { engine.preparedNext == ids[1] }
            engine.endCurrentTrack()
        }
        try await waitFor { engine.preparedNext == ids[1] }
        let looping = await manager.playerState
        #expect(looping.trackIndex == 1 && looping.status == .playing)
        #expect(engine.loadedTracks == [ids[0], ids[1]])
        // "Next" in the middle of a track is a real load.
        _ = try await manager.perform(SetRepeatMode(mode: .none))
        _ = try await manager.perform(NextTrack())
        #expect(engine.loadedTracks.last == ids[2])
        _ = try await manager.perform(Stop())
    }

    @Test("a lost output pauses; its return resumes only what the loss paused")
    func lostOutput() async throws {
        var playlist: PlaylistDetail!
        let harness = try StateHarness { playlist = try StateHarness.seedPlaylist($0, title: "Songs", durations: [60_000]) }
        let manager = harness.manager
        _ = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id))
        #expect(try await manager.perform(OutputLost()).value.status == .paused)
        #expect(try await manager.perform(OutputRestored()).value.status == .playing)
        // Lost, then a person stops: the device's return leaves it stopped.
        _ = try await manager.perform(OutputLost())
        _ = try await manager.perform(Stop())
        #expect(try await manager.perform(OutputRestored()).value.status == .stopped)
        // Paused by a person before the loss: stays paused.
        _ = try await manager.perform(Play())
        _ = try await manager.perform(Pause())
        _ = try await manager.perform(OutputLost())
        #expect(try await manager.perform(OutputRestored()).value.status == .paused)
        manager.shutdown()
    }

    @Test("deleting the playing playlist unloads the player")
    func deletingActivePlaylist() async throws {
        var playlist: PlaylistDetail!
        let harness = try StateHarness { playlist = try StateHarness.seedPlaylist($0, title: "Gone", durations: [60_000]) }
        _ = try await harness.manager.perform(PlayPlaylist(playlistID: playlist.summary.id))
        let deleted = try await harness.manager.perform(DeletePlaylist(id: playlist.summary.id))
        #expect(deleted.changes.map(\.change.playlistID) == [playlist.summary.id, nil])
        let state = await harness.manager.playerState
        #expect(state.status == .stopped && state.activePlaylistID == nil && state.activeTrack == nil)
        #expect(harness.engine.position() == 0)
    }

    @Test("position ticks are ephemeral: current server_seq, never logged, none while paused, one final tick")
    func positionTicks() async throws {
        var playlist: PlaylistDetail!
        var options = StateManager.Options()
        options.positionInterval = .milliseconds(20)
        let harness = try StateHarness(options: options) { playlist = try StateHarness.seedPlaylist($0, title: "Tick", durations: [60_000]) }
        let manager = harness.manager
        let played = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id))
        try await waitFor { harness.recorder.ticks.count >= 5 }
        let ticks = harness.recorder.ticks
        #expect(ticks.allSatisfy { $0.serverSeq == played.serverSeq && $0.rooms == [.playlists] })
        #expect(await manager.currentServerSeq == played.serverSeq)
        #expect(await manager.loggedEvents.allSatisfy { $0.type != .trackPosition })
        let positions = ticks.compactMap { event -> TrackPosition? in
            if case .trackPosition(let position) = event.payload { return position }
            return nil
        }
        #expect(positions.allSatisfy { $0.isPlaying && $0.trackID == playlist.tracks[0].id && $0.durationMs == 60_000 })
        #expect(zip(positions, positions.dropFirst()).allSatisfy { $0.positionMs <= $1.positionMs })

        _ = try await manager.perform(Pause())
        let afterPause = harness.recorder.ticks
        let final = try #require(afterPause.last)
        guard case .trackPosition(let last) = final.payload else { Issue.record("not a tick"); return }
        #expect(!last.isPlaying)
        try await Task.sleep(for: .milliseconds(150))
        #expect(harness.recorder.ticks.count == afterPause.count)
        manager.shutdown()
    }
}

/// Polls until `condition` holds (up to `within`); a failure names the caller's line.
func waitFor(
    within limit: Duration = .seconds(5), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: @Sendable () async -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    Issue.record("condition not met within \(limit)", sourceLocation: sourceLocation)
}
