import Foundation
@testable import MusicBoxCore
import Testing

/// The collection the state manager keeps in the box's order, changed in place.
@Suite("Playlist collection: the box's order, kept in place, shared between events")
struct PlaylistCollectionTests {
    static func summary(_ position: Int, title: String = "p", createdAt: EpochMillis = 0) -> PlaylistSummary {
        PlaylistSummary(id: PlaylistID(uuid: UUID()), title: title, description: "", nfcTagID: nil, trackCount: 0,
                        totalDurationMs: 0, position: position, createdAt: createdAt, updatedAt: 0)
    }

    static func sorted(_ view: LibraryView, _ ids: [PlaylistID]) -> [PlaylistSummary] {
        ids.compactMap { view.playlist($0)?.summary }.sorted { ($0.position, $0.createdAt) < ($1.position, $1.createdAt) }
    }

    @Test("after creations, renames, track changes and deletions the kept collection is the sorted one, past several chunks")
    func keptInOrder() {
        var view = LibraryView()
        var ids: [PlaylistID] = []
        for index in 0 ..< 100 {
            let created = Self.summary(index, title: "p\(index)", createdAt: EpochMillis(index))
            view.apply(.playlistCreated(created))
            ids.append(created.id)
        }
        #expect(Array(view.summaries) == Self.sorted(view, ids))
        for index in stride(from: 3, to: 100, by: 7) {
            var renamed = view.playlist(ids[index])!.summary
            renamed.title = "renamed \(index)"
            renamed.trackCount = index
            view.apply(.playlistUpdated(renamed))
        }
        #expect(view.summaries[3].title == "renamed 3" && view.summaries[94].trackCount == 94)
        for id in [0, 50, 99, 31, 32].map({ ids[$0] }) {
            view.apply(.playlistDeleted(id))
            ids.removeAll { $0 == id }
        }
        #expect(Array(view.summaries) == Self.sorted(view, ids))
        #expect(view.summaries.map(\.position) == Array(0 ..< 95), "positions without a gap")
        // A playlist whose position changed (moved) lands where it sorts.
        var moved = view.playlist(ids[10])!.summary
        moved.position = 200
        view.apply(.playlistUpdated(moved))
        #expect(view.summaries.last?.id == moved.id)
        #expect(Array(view.summaries) == Self.sorted(view, ids))
    }

    @Test("a change of one playlist makes a collection sharing every chunk but one with the one before, and both encode as arrays")
    func sharedChunks() throws {
        var view = LibraryView()
        let made = (0 ..< 70).map { Self.summary($0, title: "p\($0)", createdAt: EpochMillis($0)) }
        for summary in made { view.apply(.playlistCreated(summary)) }
        let before = view.summaries
        var renamed = made[40]
        renamed.title = "changed"
        view.apply(.playlistUpdated(renamed))
        let after = view.summaries
        #expect(before[40].title == "p40" && after[40].title == "changed", "the old collection is unchanged")
        let shared = zip(before.chunkIdentities, after.chunkIdentities).filter { $0 == $1 }.count
        #expect(before.chunkIdentities.count == 3 && shared == 2)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let encoded = try encoder.encode(after)
        let plain = try encoder.encode(Array(after))
        #expect(encoded == plain)
    }
}
