/// Every playlist's summary in the box's order, as `state:playlists` carries it, stored in shared
/// immutable chunks of 32: a change of one playlist makes a new collection that shares every
/// chunk but one with the old.
///
/// Why: the event log keeps the last 1000 events for replay, and every change of a playlist
/// logs the whole collection. With 500 playlists as plain arrays those copies held ~70 MB; as
/// chunks each costs one chunk and a list of pointers (~5 KB).
public struct PlaylistCollection: Sendable, Equatable, RandomAccessCollection, Encodable {
    static let chunkSize = 32

    /// Never changed once made, so collections share it freely.
    final class Chunk: Sendable {
        let items: [PlaylistSummary]
        init(_ items: [PlaylistSummary]) { self.items = items }
    }

    private var chunks: [Chunk]
    public private(set) var endIndex: Int

    /// `summaries` in the order given.
    public init(_ summaries: [PlaylistSummary] = []) {
        chunks = stride(from: 0, to: summaries.count, by: Self.chunkSize).map {
            Chunk(Array(summaries[$0 ..< Swift.min(summaries.count, $0 + Self.chunkSize)]))
        }
        endIndex = summaries.count
    }

    public var startIndex: Int { 0 }

    public subscript(position: Int) -> PlaylistSummary {
        chunks[position / Self.chunkSize].items[position % Self.chunkSize]
    }

    /// Replaces one summary: one chunk is made anew, the others stay shared.
    mutating func replace(at index: Int, with summary: PlaylistSummary) {
        var items = chunks[index / Self.chunkSize].items
        items[index % Self.chunkSize] = summary
        chunks[index / Self.chunkSize] = Chunk(items)
    }

    /// Adds a summary at the end.
    mutating func append(_ summary: PlaylistSummary) {
        if let last = chunks.last, last.items.count < Self.chunkSize {
            chunks[chunks.count - 1] = Chunk(last.items + [summary])
        } else {
            chunks.append(Chunk([summary]))
        }
        endIndex += 1
    }

    /// Which chunks it is made of (tests: what two collections share).
    var chunkIdentities: [ObjectIdentifier] { chunks.map(ObjectIdentifier.init) }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.count == rhs.count && lhs.elementsEqual(rhs)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        for chunk in chunks {
            for summary in chunk.items { try container.encode(summary) }
        }
    }
}
