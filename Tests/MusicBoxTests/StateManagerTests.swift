import Foundation
import GRDB
import Logging
import MediaLibrary
import MusicBoxCore
import Testing

@Suite("State manager")
struct StateManagerTests {
    let harness: StateHarness
    var store: GRDBLibraryStore { harness.store }
    var manager: StateManager { harness.manager }

    init() throws {
        harness = try StateHarness()
    }

    @Test("each committed change takes the next server_seq and its playlist's next playlist_seq")
    func sequencing() async throws {
        #expect(await manager.currentServerSeq == 0)
        let a = try await manager.perform(CreatePlaylist(title: "A"))
        let b = try await manager.perform(CreatePlaylist(title: "B"))
        let renamed = try await manager.perform(UpdatePlaylist(id: a.value.id, title: "A2"))
        let deleted = try await manager.perform(DeletePlaylist(id: a.value.id))

        #expect([a, b].map(\.serverSeq) == [1, 2])
        #expect(renamed.serverSeq == 3)
        #expect(deleted.serverSeq == 4)
        #expect(a.changes.map(\.playlistSeq) == [1])
        #expect(b.changes.map(\.playlistSeq) == [1])
        #expect(renamed.changes.map(\.playlistSeq) == [2])
        #expect(deleted.changes.map(\.playlistSeq) == [3])
        #expect(deleted.changes.map(\.change) == [.playlistDeleted(a.value.id)])
        #expect(await manager.playlistSeq(a.value.id) == 3)
        #expect(await manager.playlistSeq(b.value.id) == 1)
        #expect(a.value.createdAt == 1_700_000_000_000)
        #expect(a.changes.first?.timestamp == 1_700_000_000_000)
    }

    @Test("a refused command changes nothing and takes no number")
    func failuresTakeNoNumber() async throws {
        _ = try await manager.perform(CreatePlaylist(title: "A"))
        await #expect(throws: BoxError.validation(field: "title", "title must not be empty.")) {
            try await manager.perform(CreatePlaylist(title: "   "))
        }
        let missing = PlaylistID()
        await #expect(throws: BoxError.playlistNotFound(missing)) {
            try await manager.perform(UpdatePlaylist(id: missing, title: "x"))
        }
        await #expect(throws: BoxError.self) { try await manager.perform(UpdatePlaylist(id: missing)) }
        #expect(await manager.currentServerSeq == 1)
        let next = try await manager.perform(CreatePlaylist(title: "B"))
        #expect(next.serverSeq == 2)
        #expect(try await store.playlistPage(offset: 0, limit: 10).total == 2)
    }

    @Test("a storage failure is reported as storage_error without detail leaking")
    func storageFailure() async throws {
        let database = store.database
        try await database.pool.write { db in try db.execute(sql: "DROP TABLE feed_episodes; DROP TABLE feeds; DROP TABLE resume; DROP TABLE tags; DROP TABLE tracks; DROP TABLE playlists") }
        do {
            _ = try await manager.perform(CreatePlaylist(title: "A"))
            Issue.record("expected a storage error")
        } catch {
            #expect(error.code == .storageError)
            #expect(!error.message.contains("SQLite"))
        }
        #expect(await manager.currentServerSeq == 0)
    }

    @Test("200 concurrent commands get 200 consecutive numbers, in commit order")
    func concurrentCommands() async throws {
        let results = try await withThrowingTaskGroup(of: Committed<PlaylistSummary>.self) { group in
            for index in 0..<200 {
                group.addTask { try await manager.perform(CreatePlaylist(title: "P\(index)")) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.map(\.serverSeq).sorted() == Array(1...200))
        // Commit order is sequence order: positions were assigned in the same order as numbers.
        let byPosition = results.sorted { $0.value.position < $1.value.position }.map(\.serverSeq)
        #expect(byPosition == Array(1...200))
    }

    @Test("titles are trimmed and kept as typed, never treated as paths")
    func titleRules() async throws {
        let weird = try await manager.perform(CreatePlaylist(title: "  ../../etc  ", description: "line one\nline two"))
        #expect(weird.value.title == "../../etc")
        #expect(weird.value.description == "line one\nline two")
        await #expect(throws: BoxError.self) { try await manager.perform(CreatePlaylist(title: "bad\u{0}name")) }
        await #expect(throws: BoxError.self) { try await manager.perform(CreatePlaylist(title: String(repeating: "x", count: 201))) }
        let emoji = try await manager.perform(CreatePlaylist(title: String(repeating: "🎵", count: 200)))
        #expect(emoji.value.title.count == 200)
    }
}
