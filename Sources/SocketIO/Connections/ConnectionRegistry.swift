import NIOConcurrencyHelpers
import NIOCore

/// The server's open connections, held to ``HTTPConnectionLimits/maxConnections``.
///
/// Past the limit, a new connection takes the place of the keep-alive connection that has waited
/// longest for its next request (its client opens a new one when it needs it, as browsers do);
/// when every connection is busy, the new one is refused. So a client that parks idle sockets
/// cannot lock the family's phones out, and the process never runs out of file descriptors (the
/// limit stays below the descriptor limit, see ``capped(byDescriptorLimit:)``).
final class ConnectionRegistry: Sendable {
    enum Admission {
        case admitted
        /// Admitted in place of this idle connection, which the caller closes.
        case admittedInPlaceOf(any Channel)
        case refused
    }

    private struct Entry {
        let channel: any Channel
        /// Since when it waits for its next request with nothing read; nil while busy.
        var idleSince: NIODeadline?
    }

    let limit: Int
    private let entries = NIOLockedValueBox<[ObjectIdentifier: Entry]>([:])

    init(limit: Int) { self.limit = max(1, limit) }

    var count: Int { entries.withLockedValue { $0.count } }

    func admit(_ channel: any Channel) -> Admission {
        let admission: Admission = entries.withLockedValue { entries in
            if entries.count < limit {
                entries[ObjectIdentifier(channel)] = Entry(channel: channel, idleSince: nil)
                return .admitted
            }
            let longestIdle = entries.filter { $0.value.idleSince != nil }.min { $0.value.idleSince! < $1.value.idleSince! }
            guard let (key, entry) = longestIdle else { return .refused }
            entries[key] = nil
            entries[ObjectIdentifier(channel)] = Entry(channel: channel, idleSince: nil)
            return .admittedInPlaceOf(entry.channel)
        }
        if case .refused = admission { return admission }
        channel.closeFuture.whenComplete { [weak self] _ in self?.remove(channel) }
        return admission
    }

    /// Marks a connection idle (since `since`) or busy (nil).
    func setIdle(_ channel: any Channel, since: NIODeadline?) {
        entries.withLockedValue { $0[ObjectIdentifier(channel)]?.idleSince = since }
    }

    private func remove(_ channel: any Channel) {
        entries.withLockedValue { entries in
            // Only if it is still this channel's entry (an identifier may be reused after a free).
            if entries[ObjectIdentifier(channel)]?.channel === channel { entries[ObjectIdentifier(channel)] = nil }
        }
    }
}

extension HTTPConnectionLimits {
    /// The connection limit that fits under a descriptor limit, leaving room for the files,
    /// the database, the sound card and the readers the process opens itself.
    public func capped(byDescriptorLimit descriptors: Int) -> HTTPConnectionLimits {
        var limits = self
        limits.maxConnections = max(16, min(maxConnections, descriptors - 256))
        return limits
    }
}
