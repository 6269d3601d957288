import Foundation

/// Runs writes that are no box command anyone watches (the parents' PIN, logins and wrong-PIN
/// count) in the state manager's order, each as one transaction, so the manager stays the only
/// writer of the library. `body` gets the transaction and the time of the write.
public protocol LibraryWriter: Sendable {
    func write(_ body: @escaping @Sendable (any LibraryTransaction, EpochMillis) throws -> Void) async throws(BoxError)
}

/// The command behind ``StateManager/write(_:)``: changes nothing clients see, so it records no change.
struct StoreWrite: BoxCommand {
    let body: @Sendable (any LibraryTransaction, EpochMillis) throws -> Void

    func run(in context: inout CommandContext) throws {
        try body(context.store, context.now)
    }
}

extension StateManager: LibraryWriter {
    public func write(_ body: @escaping @Sendable (any LibraryTransaction, EpochMillis) throws -> Void) throws(BoxError) {
        _ = try perform(StoreWrite(body: body))
    }
}

/// Writes straight to the store, on the caller's thread: only for before the state manager exists
/// (the PIN reset at start) and for tests of a part without one.
public struct DirectLibraryWriter: LibraryWriter {
    let store: any LibraryStore

    public init(store: any LibraryStore) { self.store = store }

    public func write(_ body: @escaping @Sendable (any LibraryTransaction, EpochMillis) throws -> Void) async throws(BoxError) {
        do {
            try store.write { try body($0, Date().epochMillis) }
        } catch let error as BoxError {
            throw error
        } catch {
            throw BoxError(.storageError, "The box could not save this change. Nothing was changed.")
        }
    }
}
