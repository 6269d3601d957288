@_spi(Simulation) import MusicBoxCore
import Synchronization

/// A reader for machines without one: tags are placed and removed by hand (the dev endpoint
/// `POST /api/dev/nfc/{place,remove}`, on only with simulated hardware). Events are settled
/// already, so no grace time applies.
@_spi(Simulation) public final class SimulatedTagReader: ManualTagReader {
    private struct State {
        var tag: TagID?
        var handler: (@Sendable (TagEvent) -> Void)?
    }

    private let state = Mutex(State())

    public init() {}

    public var health: ComponentHealth { .simulated }
    public var currentTag: TagID? { state.withLock { $0.tag } }

    public func setEventHandler(_ handler: @escaping @Sendable (TagEvent) -> Void) {
        state.withLock { $0.handler = handler }
    }

    public func start() {}
    public func shutdown() {}

    /// Puts `tag` on the reader (a tag already there is taken off first).
    public func place(_ tag: TagID) {
        let (events, handler) = state.withLock { state -> ([TagEvent], (@Sendable (TagEvent) -> Void)?) in
            guard state.tag != tag else { return ([], nil) }
            let events = (state.tag.map { [TagEvent.removed($0)] } ?? []) + [.placed(tag)]
            state.tag = tag
            return (events, state.handler)
        }
        events.forEach { handler?($0) }
    }

    /// Takes the tag off the reader.
    public func remove() {
        let (tag, handler) = state.withLock { state in
            defer { state.tag = nil }
            return (state.tag, state.handler)
        }
        if let tag { handler?(.removed(tag)) }
    }
}
