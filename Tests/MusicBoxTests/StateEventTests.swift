import Audio
import Foundation
import MediaLibrary
import MusicBoxCore
import Testing

@Suite("State events: sequencing, rooms, idempotency, replay")
struct StateEventTests {
    @Test("each change becomes events with server_seq exactly +1, the same number on every audience")
    func sequencedEvents() async throws {
        let harness = try StateHarness()
        let manager = harness.manager
        let a = try await manager.perform(CreatePlaylist(title: "A")).value
        let b = try await manager.perform(CreatePlaylist(title: "B")).value
        let renamed = try await manager.perform(UpdatePlaylist(id: a.id, title: "A2"))
        _ = try await manager.perform(DeletePlaylist(id: b.id))

        let events = harness.recorder.sequenced
        #expect(events.map(\.type) == [.playlists, .playlistUpdated, .playlists, .playlistUpdated, .playlists, .playlistUpdated,
                                        .playlist, .playlistDeleted, .playlists])
        #expect(events.map(\.serverSeq) == [1, 1, 2, 2, 3, 3, 3, 4, 4])
        // Distinct numbers go up by exactly one.
        let numbers = events.map(\.serverSeq).reduce(into: [UInt64]()) { if $0.last != $1 { $0.append($1) } }
        #expect(numbers == Array(1...4))
        #expect(renamed.serverSeq == 3)
        #expect(Set(events.map(\.eventID)).count == events.count)
        #expect(events.allSatisfy { $0.serverEpoch == manager.serverEpoch })

        // The rename reached the collection (room `playlists`, but not its members with deltas),
        // the members with deltas as the one playlist, and the playlist's own room.
        #expect(events[4].rooms == [.playlists] && events[4].exceptRooms == [.playlistDeltas])
        #expect(events[5].rooms == [.playlistDeltas] && events[5].exceptRooms.isEmpty)
        #expect(events[6].rooms == [.playlist(a.id)])
        guard case .playlists(let list) = events[4].payload else { Issue.record("not a collection"); return }
        #expect(list.map(\.title) == ["A2", "B"])
        guard case .playlistUpdated(let delta) = events[5].payload else { Issue.record("not a delta"); return }
        #expect(delta == list[0])
        guard case .playlist(let detail) = events[6].payload else { Issue.record("not a playlist"); return }
        #expect(detail.summary.title == "A2")
        // The deletion goes to both audiences (members with deltas take it out themselves); the
        // collection after it no longer has B.
        #expect(Set(events[7].rooms) == [.playlists, .playlist(b.id)])
        guard case .playlists(let after) = events[8].payload else { Issue.record("not a collection"); return }
        #expect(after.map(\.title) == ["A2"])
    }

    @Test("playlist_seq counts per playlist; events without a playlist carry none")
    func playlistSequences() async throws {
        let harness = try StateHarness()
        let manager = harness.manager
        let a = try await manager.perform(CreatePlaylist(title: "A")).value
        let b = try await manager.perform(CreatePlaylist(title: "B")).value
        _ = try await manager.perform(UpdatePlaylist(id: a.id, title: "A2"))
        _ = try await manager.perform(UpdatePlaylist(id: a.id, description: "d"))
        _ = try await manager.perform(UpdatePlaylist(id: b.id, title: "B2"))
        _ = try await manager.perform(SetVolume(volume: 30))

        let events = harness.recorder.sequenced
        let ofA = events.filter { $0.playlistID == a.id && $0.type == .playlist }.map(\.playlistSeq)
        let ofB = events.filter { $0.playlistID == b.id && $0.type == .playlist }.map(\.playlistSeq)
        #expect(ofA == [2, 3])
        #expect(ofB == [2])
        #expect(await manager.playlistSeq(a.id) == 3)
        let player = try #require(events.last)
        #expect(player.type == .player && player.playlistID == nil && player.playlistSeq == nil)
        #expect(player.serverSeq == 6)
    }

    @Test("the envelope has every contract field, snake_case")
    func envelope() async throws {
        let harness = try StateHarness()
        let a = try await harness.manager.perform(CreatePlaylist(title: "A")).value
        _ = try await harness.manager.perform(UpdatePlaylist(id: a.id, title: "B"))
        let event = try #require(harness.recorder.sequenced.last)
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(event)) as? [String: Any])
        #expect(Set(json.keys) == ["event_type", "server_seq", "server_epoch", "playlist_id", "playlist_seq", "data", "timestamp", "event_id"])
        #expect(json["event_type"] as? String == "state:playlist")
        let data = try #require(json["data"] as? [String: Any])
        #expect(data["title"] as? String == "B")
        #expect(data["tracks"] is [Any])
    }

    @Test("a client_op_id sent twice within its lifetime is applied once and answered the same")
    func idempotentOperations() async throws {
        let harness = try StateHarness()
        let manager = harness.manager
        let first = try await manager.perform(CreatePlaylist(title: "Once"), clientOpID: "op-1")
        let again = try await manager.perform(CreatePlaylist(title: "Once"), clientOpID: "op-1")
        #expect(!first.replayed && again.replayed)
        #expect(again.value == first.value && again.serverSeq == first.serverSeq)
        #expect(try await harness.store.playlistPage(offset: 0, limit: 10).total == 1)
        #expect(harness.recorder.sequenced.map(\.serverSeq) == [1, 1], "one change: the collection and its delta")

        // A refusal is remembered too: the same answer, still nothing applied.
        let missing = PlaylistID()
        for _ in 0..<2 {
            await #expect(throws: BoxError.playlistNotFound(missing)) {
                try await manager.perform(UpdatePlaylist(id: missing, title: "x"), clientOpID: "op-2")
            }
        }
        // The same id for another kind of operation is a conflict, not a silent replay.
        await #expect(throws: BoxError.self) { try await manager.perform(Stop(), clientOpID: "op-1") }
        // Another client's op-1 is another operation: it runs, and the first client's answer stays its own.
        let other = try await manager.perform(CreatePlaylist(title: "Theirs"), clientOpID: "op-1", client: "socket:b")
        #expect(!other.replayed && other.value.id != first.value.id)
        #expect(try await manager.perform(CreatePlaylist(title: "Once"), clientOpID: "op-1").value == first.value)
        #expect(try await harness.store.playlistPage(offset: 0, limit: 10).total == 2)
    }

    @Test("after its lifetime a client_op_id is forgotten and the operation runs again")
    func operationExpiry() async throws {
        var options = StateManager.Options()
        options.operationLifetime = .milliseconds(50)
        let harness = try StateHarness(options: options)
        let first = try await harness.manager.perform(CreatePlaylist(title: "Once"), clientOpID: "op-1")
        try await Task.sleep(for: .milliseconds(200))
        let later = try await harness.manager.perform(CreatePlaylist(title: "Once"), clientOpID: "op-1")
        #expect(!later.replayed && later.serverSeq == first.serverSeq + 1)
    }

    @Test("joining sends the snapshot, then enters the room, stamped with the current numbers")
    func joins() async throws {
        let harness = try StateHarness()
        let manager = harness.manager
        let a = try await manager.perform(CreatePlaylist(title: "A")).value
        _ = try await manager.perform(UpdatePlaylist(id: a.id, title: "A2"))
        let client = RecordingSubscriber()

        let joined = try await manager.join(.playlists, subscriber: client)
        #expect(joined.serverSeq == 2 && joined.playlistSeq == nil)
        #expect(client.history == ["deliver state:playlists", "deliver state:player", "enter playlists"])
        #expect(client.delivered.allSatisfy { $0.serverSeq == 2 })

        let room = try await manager.join(.playlist(a.id), subscriber: client)
        #expect(room.playlistSeq == 2)
        let snapshot = try #require(client.delivered.last)
        #expect(snapshot.type == .playlist && snapshot.playlistSeq == 2 && snapshot.playlistID == a.id)

        await #expect(throws: BoxError.self) { try await manager.join(.playlist(PlaylistID()), subscriber: client) }
        #expect(client.rooms == [.playlists, .playlist(a.id)])
        _ = await manager.leave(.playlists, subscriber: client)
        #expect(client.rooms == [.playlist(a.id)])
        // Snapshots are not logged and take no number (the create logged 2 events, the rename 3).
        #expect(await manager.loggedEvents.count == 5)
        #expect(await manager.currentServerSeq == 2)
    }

    @Test("sync replays exactly the missed events of the client's rooms while the log reaches back")
    func syncReplay() async throws {
        let harness = try StateHarness()
        let manager = harness.manager
        let a = try await manager.perform(CreatePlaylist(title: "A")).value
        let b = try await manager.perform(CreatePlaylist(title: "B")).value
        let seen = await manager.currentServerSeq
        for index in 1...5 { _ = try await manager.perform(UpdatePlaylist(id: a.id, title: "A\(index)")) }
        _ = try await manager.perform(UpdatePlaylist(id: b.id, title: "B1"))

        let client = RecordingSubscriber()
        let result = await manager.sync(SyncRequest(lastGlobalSeq: seen, rooms: [.playlists], serverEpoch: manager.serverEpoch), subscriber: client)
        #expect(result.mode == .replay && result.serverSeq == 8)
        #expect(client.delivered.map(\.type) == Array(repeating: .playlists, count: 6))
        #expect(client.delivered.map(\.serverSeq) == Array(3...8))
        #expect(client.rooms == [.playlists])

        // The playlist room, with a playlist_seq saying two of A's changes were already seen.
        let other = RecordingSubscriber()
        let request = SyncRequest(lastGlobalSeq: seen, lastPlaylistSeqs: [a.id: 3], rooms: [.playlist(a.id)])
        #expect(await manager.sync(request, subscriber: other).mode == .replay)
        #expect(other.delivered.map(\.playlistSeq) == [4, 5, 6])
        #expect(other.delivered.allSatisfy { $0.type == .playlist })
    }

    @Test("members with deltas get one playlist per change, live and in a replay; the others the whole collection")
    func deltas() async throws {
        let harness = try StateHarness()
        let manager = harness.manager
        let a = try await manager.perform(CreatePlaylist(title: "A")).value
        let client = RecordingSubscriber()
        _ = try await manager.join(.playlists, deltas: true, subscriber: client)
        #expect(client.rooms == [.playlists, .playlistDeltas])
        #expect(client.history == ["deliver state:playlists", "deliver state:player", "enter playlists", "enter playlists#deltas"])
        let seen = await manager.currentServerSeq
        _ = try await manager.perform(UpdatePlaylist(id: a.id, title: "A1"))
        _ = try await manager.perform(CreatePlaylist(title: "B"))

        let replayed = RecordingSubscriber()
        let request = SyncRequest(lastGlobalSeq: seen, rooms: [.playlists], serverEpoch: manager.serverEpoch, deltas: true)
        #expect(await manager.sync(request, subscriber: replayed).mode == .replay)
        #expect(replayed.delivered.map(\.type) == [.playlistUpdated, .playlistUpdated])
        #expect(replayed.rooms == [.playlists, .playlistDeltas])
        guard case .playlistUpdated(let renamed) = replayed.delivered[0].payload else { Issue.record("not a delta"); return }
        #expect(renamed.id == a.id && renamed.title == "A1")

        // Without deltas (a reconnect that does not ask): the whole collection, and out of deltas.
        let whole = RecordingSubscriber()
        _ = await manager.sync(SyncRequest(lastGlobalSeq: seen, rooms: [.playlists], serverEpoch: manager.serverEpoch), subscriber: whole)
        #expect(whole.delivered.map(\.type) == [.playlists, .playlists])
        #expect(whole.rooms == [.playlists])
        // A socket already in deltas keeps them when it syncs without saying.
        let again = await manager.sync(SyncRequest(lastGlobalSeq: seen, serverEpoch: manager.serverEpoch), subscriber: client)
        #expect(again.rooms.contains(.playlistDeltas) && client.delivered.suffix(2).map(\.type) == [.playlistUpdated, .playlistUpdated])
        _ = await manager.leave(.playlists, subscriber: client)
        #expect(client.rooms.isEmpty)
    }

    @Test("sync falls back to snapshots when the log no longer reaches back, after a restart, or from the future")
    func syncSnapshots() async throws {
        var options = StateManager.Options()
        options.eventLogCapacity = 6
        let harness = try StateHarness(options: options)
        let manager = harness.manager
        let a = try await manager.perform(CreatePlaylist(title: "A")).value
        for index in 1...5 { _ = try await manager.perform(UpdatePlaylist(id: a.id, title: "A\(index)")) }
        // 17 events for 6 numbers (a rename: collection, delta, playlist); the log holds the last 6.
        #expect(await manager.loggedEvents.map(\.serverSeq) == [5, 5, 5, 6, 6, 6])

        let reachable = RecordingSubscriber()
        #expect(await manager.sync(SyncRequest(lastGlobalSeq: 4, rooms: [.playlists]), subscriber: reachable).mode == .replay)
        #expect(reachable.delivered.map(\.serverSeq) == [5, 6])

        for request in [
            SyncRequest(lastGlobalSeq: 3, rooms: [.playlists, .playlist(a.id)]),
            SyncRequest(lastGlobalSeq: 6, rooms: [.playlists, .playlist(a.id)], serverEpoch: "another-boot"),
            SyncRequest(lastGlobalSeq: 99, rooms: [.playlists, .playlist(a.id)]),
        ] {
            let client = RecordingSubscriber()
            let result = await manager.sync(request, subscriber: client)
            #expect(result.mode == .snapshot)
            #expect(client.delivered.map(\.type) == [.playlists, .player, .playlist])
            #expect(client.delivered.allSatisfy { $0.serverSeq == 6 })
            #expect(client.rooms == [.playlists, .playlist(a.id)])
        }

        // A playlist deleted while the client was away is reported as deleted, and its room is not joined.
        _ = try await manager.perform(DeletePlaylist(id: a.id))
        let away = RecordingSubscriber()
        _ = await manager.sync(SyncRequest(lastGlobalSeq: 0, rooms: [.playlist(a.id)]), subscriber: away)
        #expect(away.delivered.map(\.type) == [.playlistDeleted])
        #expect(away.rooms.isEmpty)
    }

    @Test("the event log keeps the newest events and knows how far back it reaches")
    func eventLogRing() {
        var log = EventLog(capacity: 3)
        func event(_ seq: UInt64) -> StateEvent {
            StateEvent(payload: .playlistDeleted(PlaylistID()), serverSeq: seq, serverEpoch: "e", timestamp: 0, eventID: "\(seq)", rooms: [.playlists])
        }
        for seq: UInt64 in 1...3 { log.append(event(seq)) }
        #expect(log.events(after: 0)?.map(\.serverSeq) == [UInt64(1), 2, 3])
        #expect(log.events(after: 2)?.map(\.serverSeq) == [UInt64(3)])
        #expect(log.events(after: 3)?.isEmpty == true)
        for seq: UInt64 in 4...7 { log.append(event(seq)) }
        #expect(log.all.map(\.serverSeq) == [5, 6, 7])
        #expect(log.droppedThrough == 4)
        #expect(log.events(after: 3) == nil)
        #expect(log.events(after: 4)?.map(\.serverSeq) == [UInt64(5), 6, 7])
    }
}
