@_spi(Simulation) import Audio
import Foundation
import Logging
import MediaLibrary
@_spi(Simulation) import MusicBoxCore
import Testing

@Suite("Settings and tag links through the state manager")
struct SettingsAndTagTests {
    @Test("max_volume caps the volume at once and later, and survives a restart")
    func maxVolume() async throws {
        let harness = try StateHarness()
        let manager = harness.manager
        #expect(await manager.playerState.volume == 50)
        let saved = try await manager.perform(UpdateSettings(maxVolume: 30, startupVolume: 80))
        #expect(saved.value == SettingsSnapshot(maxVolume: 30, startupVolume: 80))
        let player = try #require(harness.recorder.sequenced.last)
        guard case .player(let state) = player.payload else { Issue.record("expected state:player"); return }
        #expect(state.volume == 30 && state.maxVolume == 30)
        #expect(harness.engine.output.volume == 30)
        #expect(try await manager.perform(SetVolume(volume: 90)).value.volume == 30)
        await #expect(throws: BoxError.self) { try await manager.perform(UpdateSettings(maxVolume: 101)) }
        await #expect(throws: BoxError.self) { try await manager.perform(UpdateSettings()) }

        // A new boot on the same database starts at min(startup, max).
        let again = try StateManager(store: harness.store, engine: SimulatedPlaybackEngine(), publisher: EventRecorder())
        let restarted = await again.playerState
        #expect(restarted.volume == 30 && restarted.maxVolume == 30)
        #expect(try await again.settings() == SettingsSnapshot(maxVolume: 30, startupVolume: 80))
        again.shutdown()
    }

    @Test("the box's name: cleaned, at most 40 characters, nothing invisible, empty clears it, kept over a restart")
    func boxName() async throws {
        let harness = try StateHarness()
        let manager = harness.manager
        #expect(try await manager.settings().boxName == "")
        #expect(try await manager.perform(UpdateSettings(boxName: "  Mia\u{2019}s box ")).value.boxName == "Mia\u{2019}s box")
        for bad in [String(repeating: "x", count: 41), "Mia\u{202E}xob", "Box\u{0007}"] {
            await #expect(throws: BoxError.self) { try await manager.perform(UpdateSettings(boxName: bad)) }
        }
        #expect(try await manager.settings().boxName == "Mia\u{2019}s box")  // a refusal changed nothing
        let again = try StateManager(store: harness.store, engine: SimulatedPlaybackEngine(), publisher: EventRecorder())
        #expect(try await again.settings().boxName == "Mia\u{2019}s box")
        again.shutdown()
        #expect(try await manager.perform(UpdateSettings(boxName: "   ")).value.boxName == "")
    }

    @Test("a tag plays one playlist: moving it needs force, and both playlists are republished")
    func tagLinks() async throws {
        let harness = try StateHarness()
        let manager = harness.manager
        let a = try await manager.perform(CreatePlaylist(title: "A")).value
        let b = try await manager.perform(CreatePlaylist(title: "B")).value
        let tag = try #require(TagID("04:a2:24:b1"))

        let linked = try await manager.perform(LinkTag(tag: tag, playlistID: a.id))
        #expect(linked.value == TagLink(tag: tag, playlistID: a.id, previousPlaylistID: nil))
        #expect(linked.changes.map(\.change) == [.playlistUpdated(try #require(await summary(harness, a.id)))])
        #expect(await summary(harness, a.id)?.nfcTagID == tag)

        do {
            _ = try await manager.perform(LinkTag(tag: tag, playlistID: b.id))
            Issue.record("expected a conflict")
        } catch {
            #expect(error.code == .conflict && error.details["conflict_playlist_id"] == a.id.description)
        }
        let moved = try await manager.perform(LinkTag(tag: tag, playlistID: b.id, force: true))
        #expect(moved.value.previousPlaylistID == a.id)
        #expect(moved.changes.map(\.serverSeq) == [moved.serverSeq - 1, moved.serverSeq])
        #expect(await summary(harness, a.id)?.nfcTagID == nil)
        #expect(await summary(harness, b.id)?.nfcTagID == tag)
        // The collection event after the move shows the tag on B only.
        guard case .playlists(let list)? = harness.recorder.sequenced.last(where: { $0.type == .playlists })?.payload else {
            Issue.record("no collection event"); return
        }
        #expect(list.map(\.nfcTagID) == [nil, tag])

        let unlinked = try await manager.perform(UnlinkTag(tag: tag))
        #expect(unlinked.value.previousPlaylistID == b.id)
        await #expect(throws: BoxError.self) { try await manager.perform(UnlinkTag(tag: tag)) }
    }

    private func summary(_ harness: StateHarness, _ id: PlaylistID) async -> PlaylistSummary? {
        try? await harness.store.playlist(id)?.summary
    }
}
