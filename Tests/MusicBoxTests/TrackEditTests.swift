import Audio
import Foundation
import MediaLibrary
import MusicBoxCore
import Testing

@Suite("Track edits through the state manager")
struct TrackEditTests {
    @Test("reorder, move, delete and edit keep numbers contiguous and publish the playlists they touch")
    func edits() async throws {
        var a: PlaylistDetail!
        var b: PlaylistDetail!
        let harness = try StateHarness { store in
            a = try StateHarness.seedPlaylist(store, title: "A", durations: [60_000, 60_000, 60_000])
            b = try StateHarness.seedPlaylist(store, title: "B", durations: [60_000])
        }
        let manager = harness.manager
        let (t1, t2, t3) = (a.tracks[0].id, a.tracks[1].id, a.tracks[2].id)

        let reordered = try await manager.perform(ReorderTracks(playlistID: a.summary.id, trackIDs: [t3, t1, t2]))
        #expect(reordered.value.tracks.map(\.id) == [t3, t1, t2])
        #expect(reordered.value.tracks.map(\.trackNumber) == [1, 2, 3])
        #expect(harness.recorder.sequenced.map(\.type) == [.playlists, .playlistUpdated, .playlist])
        await #expect(throws: BoxError.self) { try await manager.perform(ReorderTracks(playlistID: a.summary.id, trackIDs: [t1, t2])) }
        await #expect(throws: BoxError.self) { try await manager.perform(ReorderTracks(playlistID: a.summary.id, trackIDs: [t1, t1, t2])) }

        // Play t1 (index 1), then move t3 (before it) to the top of B: the player keeps t1, now index 0.
        _ = try await manager.perform(PlayPlaylist(playlistID: a.summary.id, trackIndex: 1))
        let moved = try await manager.perform(MoveTrack(trackID: t3, targetPlaylistID: b.summary.id, position: 0))
        #expect(moved.value.playlistID == b.summary.id && moved.value.trackNumber == 1)
        #expect(moved.changes.map(\.change.playlistID) == [a.summary.id, b.summary.id, nil])
        let afterMove = await manager.playerState
        #expect(afterMove.activeTrack?.id == t1 && afterMove.trackIndex == 0 && afterMove.trackCount == 2)
        let bTracks = try #require(try await harness.store.playlist(b.summary.id)).tracks
        #expect(bTracks.map(\.id) == [t3, b.tracks[0].id] && bTracks.map(\.trackNumber) == [1, 2])
        await #expect(throws: BoxError.self) {
            try await manager.perform(MoveTrack(trackID: t2, targetPlaylistID: b.summary.id, position: 5))
        }
        // Within one playlist: B becomes [b1, t3].
        let within = try await manager.perform(MoveTrack(trackID: t3, targetPlaylistID: b.summary.id))
        #expect(within.value.trackNumber == 2 && within.changes.count == 1)
        #expect(try await harness.store.playlist(b.summary.id)?.tracks.map(\.id) == [b.tracks[0].id, t3])

        // Deleting the playing track: what now sits at its place plays.
        let deleted = try await manager.perform(DeleteTracks(playlistID: a.summary.id, trackIDs: [t1]))
        #expect(deleted.value.tracks.map(\.id) == [t2] && deleted.value.tracks[0].trackNumber == 1)
        let afterDelete = await manager.playerState
        #expect(afterDelete.activeTrack?.id == t2 && afterDelete.status == .playing)
        await #expect(throws: BoxError.self) { try await manager.perform(DeleteTracks(playlistID: a.summary.id, trackIDs: [t3])) }

        // One track's fields: state:track, then the playlist and the collection, all one number.
        harness.recorder.clear()
        let edited = try await manager.perform(UpdateTrack(trackID: t3, title: " Night song ", artist: "Mum", album: ""))
        #expect(edited.value.title == "Night song" && edited.value.artist == "Mum" && edited.value.album == nil)
        let events = harness.recorder.sequenced
        #expect(events.map(\.type) == [.track, .playlist, .playlists, .playlistUpdated])
        #expect(Set(events.map(\.serverSeq)) == [edited.serverSeq])
        #expect(events[0].rooms == [.playlist(b.summary.id)] && events[0].playlistID == b.summary.id)
        guard case .playlist(let detail) = events[1].payload else { Issue.record("not a playlist"); return }
        #expect(detail.tracks.last?.title == "Night song")
        await #expect(throws: BoxError.self) { try await manager.perform(UpdateTrack(trackID: t3, title: "   ")) }
        manager.shutdown()
    }
}
