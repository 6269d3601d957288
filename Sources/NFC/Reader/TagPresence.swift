import MusicBoxCore

/// Turns raw sightings of a reader ("this UID answered", "nothing answered") into settled
/// `placed` / `removed` events, the way a child means them:
///
/// - a tag that stays on the reader is placed **once**, however many polls see it;
/// - a tag that stops answering is removed only after `grace` of silence, so a flicker of the
///   radio field (a wobbly tag, a hand passing) never pauses the music, and putting the same tag
///   back within the grace is no event at all;
/// - a different tag seen while one is present (or in its grace) removes the old one first.
///
/// Pure and deterministic (time comes in as arguments), so it is tested without a reader.
public struct TagPresence: Sendable {
    public enum State: Sendable, Equatable {
        case empty
        case present(TagID)
        /// The tag stopped answering at `since`; it is removed unless it answers again by `since + grace`.
        case fading(TagID, since: ContinuousClock.Instant)
    }

    public let grace: Duration
    public private(set) var state = State.empty

    public init(grace: Duration) { self.grace = grace }

    /// A poll or presence check found `tag`.
    public mutating func seen(_ tag: TagID, at now: ContinuousClock.Instant) -> [TagEvent] {
        switch state {
        case .present(tag), .fading(tag, _):
            state = .present(tag)
            return []
        case .present(let old), .fading(let old, _):
            state = .present(tag)
            return [.removed(old), .placed(tag)]
        case .empty:
            state = .present(tag)
            return [.placed(tag)]
        }
    }

    /// A poll or presence check found nothing.
    public mutating func absent(at now: ContinuousClock.Instant) -> [TagEvent] {
        if case .present(let tag) = state { state = .fading(tag, since: now) }
        return tick(at: now)
    }

    /// Time passed: a fading tag whose grace is over is removed.
    public mutating func tick(at now: ContinuousClock.Instant) -> [TagEvent] {
        guard case .fading(let tag, let since) = state, now - since >= grace else { return [] }
        state = .empty
        return [.removed(tag)]
    }

    /// The tag settled on the reader (present or within its grace).
    public var tag: TagID? {
        switch state {
        case .empty: nil
        case .present(let tag), .fading(let tag, _): tag
        }
    }

    /// The reader went away: whatever was on it is gone at once.
    public mutating func readerLost() -> [TagEvent] {
        defer { state = .empty }
        return tag.map { [.removed($0)] } ?? []
    }
}
