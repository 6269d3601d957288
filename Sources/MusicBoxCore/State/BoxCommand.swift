/// One thing somebody asks the box to do, whatever its source (HTTP, Socket.IO, tag, button, timer).
/// A command validates its input, writes through the store and records the changes it made;
/// the state manager runs commands one at a time and sequences those changes.
public protocol BoxCommand: Sendable {
    associatedtype Output: Sendable
    func run(in context: inout CommandContext) throws -> Output
}

/// What a running command may use, and where it records what it changed.
public struct CommandContext {
    public let store: any LibraryStore
    /// The time of this command; every timestamp it writes uses this one value.
    public let now: EpochMillis
    public private(set) var changes: [Change] = []

    init(store: any LibraryStore, now: EpochMillis) {
        self.store = store
        self.now = now
    }

    public mutating func record(_ change: Change) { changes.append(change) }
}

/// A command's result together with the sequence number of the last change it made
/// (the current one when it changed nothing), so a response can say where it stands in the event order.
public struct Committed<Value: Sendable>: Sendable {
    public var value: Value
    public var serverSeq: UInt64
    public var changes: [SequencedChange]
}
