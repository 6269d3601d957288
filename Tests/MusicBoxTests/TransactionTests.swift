import Foundation
import GRDB
import MediaLibrary
@_spi(Simulation) import MusicBoxCore
import Testing

/// One command, one transaction; player commands never write; resume points go behind.
@Suite("Commands as transactions")
struct TransactionTests {
    static func harness() throws -> (StateHarness, PlaylistDetail) {
        var playlist: PlaylistDetail!
        let harness = try StateHarness { store in
            playlist = try StateHarness.seedPlaylist(store, title: "Songs", durations: [60_000, 60_000])
        }
        return (harness, playlist)
    }

    @Test("a write failing halfway through a settings change leaves every setting as it was")
    func settingsChangeIsAllOrNothing() async throws {
        let (harness, _) = try Self.harness()
        let manager = harness.manager
        let before = try await manager.settings()
        // A real SQLite failure on the last of the values UpdateSettings writes.
        try await harness.store.database.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER injected_fault BEFORE INSERT ON settings WHEN NEW.key = 'feedback_volume'
                BEGIN SELECT RAISE(ABORT, 'injected storage fault'); END
                """)
        }
        let seq = await manager.currentServerSeq
        await #expect(throws: BoxError.self) {
            try await manager.perform(UpdateSettings(maxVolume: 40, startupVolume: 20, tagRemoval: "keep_playing", feedbackVolume: 10))
        }
        #expect(try await manager.settings() == before)
        #expect(try harness.store.setting(BoxSettings.tagRemoval) == BoxSettings.tagRemoval.defaultValue)
        #expect(try harness.store.setting(BoxSettings.startupVolume) == BoxSettings.startupVolume.defaultValue)
        #expect(await manager.currentServerSeq == seq)
        // Without the fault the same change goes through, all of it.
        try await harness.store.database.pool.write { db in try db.execute(sql: "DROP TRIGGER injected_fault") }
        let after = try await manager.perform(UpdateSettings(maxVolume: 40, startupVolume: 20, tagRemoval: "keep_playing", feedbackVolume: 10)).value
        #expect(after.maxVolume == 40 && after.startupVolume == 20 && after.tagRemoval == .keepPlaying && after.feedbackVolume == 10)
    }

    @Test("an upload whose row cannot commit leaves no file in the media folder")
    func addTrackRollsBackItsFile() async throws {
        let (harness, playlist) = try Self.harness()
        let staged = harness.dir.file("staged.wav")
        try Data(repeating: 7, count: 1000).write(to: staged)
        try await harness.store.database.pool.write { db in
            try db.execute(sql: "CREATE TRIGGER injected_fault BEFORE INSERT ON tracks BEGIN SELECT RAISE(ABORT, 'injected'); END")
        }
        let track = NewTrack.sample(title: "Never", durationMs: 1000)
        await #expect(throws: BoxError.self) {
            try await harness.manager.perform(AddTrack(playlistID: playlist.summary.id, track: track, stagedFile: staged.path))
        }
        let media = try FileManager.default.contentsOfDirectory(atPath: harness.store.media.directory.path)
        #expect(!media.contains(track.storedFileName))
        #expect(await harness.manager.playerState.activePlaylistID == nil)
    }

    @Test("deleting the loaded playlist, playing, paused or stopped, writes no resume point and logs no error")
    func deleteLoadedPlaylist() async throws {
        for status in [PlaybackStatus.playing, .paused, .stopped] {
            let (harness, playlist) = try Self.harness()
            let manager = harness.manager
            _ = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id, positionMs: 5000))
            if status == .paused { _ = try await manager.perform(Pause()) }
            if status == .stopped { _ = try await manager.perform(Stop()) }
            #expect(await manager.playerState.status == status)
            _ = try await manager.perform(DeletePlaylist(id: playlist.summary.id))
            manager.flushResumePoints()
            #expect(await manager.playerState.activePlaylistID == nil)
            let rows = try await harness.store.database.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resume")! }
            #expect(rows == 0, "\(status)")
            #expect(harness.logs.all.isEmpty, "\(status): \(harness.logs.all)")
            manager.shutdown()
        }
    }

    @Test("a player command cannot write the library: refused as internal_error, nothing written")
    func playerCommandsAreReadOnly() async throws {
        struct Sneaky: PlayerCommand {
            func run(in context: inout CommandContext) throws -> PlaylistSummary {
                try context.store.createPlaylist(title: "Sneaky", description: "", now: context.now)
            }
        }
        let (harness, _) = try Self.harness()
        do {
            _ = try await harness.manager.perform(Sneaky())
            Issue.record("a player command wrote the library")
        } catch {
            #expect(error.code == .internalError)
        }
        #expect(try await harness.store.playlistPage(offset: 0, limit: 10).total == 1)
    }

    @Test("where a lifted tag left off is resumed at the next tap, and is on disk once the writer has run")
    func resumePointsAreWrittenBehind() async throws {
        let (harness, playlist) = try Self.harness()
        let manager = harness.manager
        let tag = try #require(TagID("04a1b2c3"))
        _ = try await manager.perform(LinkTag(tag: tag, playlistID: playlist.summary.id))
        #expect(await manager.tag(.placed(tag)).action == .started)
        _ = try await manager.perform(NextTrack())
        _ = try await manager.perform(Seek(positionMs: 12_000))
        #expect(await manager.tag(.removed(tag)).action == .paused)
        _ = try await manager.perform(Stop())
        // Whether or not the writer has run yet, the tap continues where the lift left it.
        #expect(await manager.tag(.placed(tag)).action == .resumed)
        let state = await manager.playerState
        #expect(state.activeTrack?.id == playlist.tracks[1].id && state.positionMs >= 12_000 && state.positionMs < 13_000)
        manager.flushResumePoints()
        let stored = try #require(try harness.store.resumePoint(for: playlist.summary.id))
        #expect(stored.trackID == playlist.tracks[1].id && stored.positionMs >= 12_000 && stored.positionMs < 13_000)
        manager.shutdown()
    }
}
