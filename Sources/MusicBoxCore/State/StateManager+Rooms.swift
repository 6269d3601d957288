/// Joining rooms and catching up (CONTRACT §4): snapshots stamped with where the sequence stands,
/// and `sync:request` replay from the bounded log. These run on the manager too, so a snapshot
/// and the events after it line up exactly.
extension StateManager {
    // MARK: Joining rooms and catching up

    /// The events a client joining `room` gets first, stamped with where the sequence stands now.
    /// `nil` for a playlist that does not exist.
    func snapshot(of room: Room) -> [StateEvent]? {
        func event(_ payload: EventPayload, playlist: PlaylistID? = nil) -> StateEvent {
            StateEvent(
                payload: payload, serverSeq: serverSeq, serverEpoch: serverEpoch, playlistID: playlist,
                playlistSeq: playlist.map { playlistSeqs[$0] ?? 0 }, timestamp: clock.millis,
                eventID: eventIDs.next(), rooms: [room]
            )
        }
        switch room {
        case .playlists:
            return [event(.playlists(library.summaries)), event(.player(livePlayerState))]
        case .playlist(let id):
            guard let detail = library.playlist(id) else { return nil }
            return [event(.playlist(detail), playlist: id)]
        case .nfc, .playlistDeltas, .socket:
            // An association session's state comes with its own events; deltas ride on the
            // `playlists` snapshot; a socket's own room has no state.
            return []
        }
    }

    /// Sends the room's snapshot to the subscriber and starts its events, with nothing missed
    /// or repeated in between. Throws `not_found` for an unknown playlist. `deltas` (for
    /// `playlists`): later changes of one playlist come as that playlist alone.
    public func join(_ room: Room, deltas: Bool = false, subscriber: any EventSubscriber) throws(BoxError) -> JoinResult {
        guard let events = snapshot(of: room) else {
            if case .playlist(let id) = room { throw BoxError.playlistNotFound(id) }
            throw BoxError(.notFound, "No room \(room).")
        }
        subscriber.deliver(events)
        subscriber.enter(room)
        if room == .playlists {
            if deltas {
                subscriber.enter(.playlistDeltas)
            } else if subscriber.rooms.contains(.playlistDeltas) {
                subscriber.exit(.playlistDeltas)
            }
        }
        return JoinResult(room: room, serverSeq: serverSeq, playlistSeq: room.playlistID.map { playlistSeqs[$0] ?? 0 })
    }

    public func leave(_ room: Room, subscriber: any EventSubscriber) -> JoinResult {
        subscriber.exit(room)
        if room == .playlists { subscriber.exit(.playlistDeltas) }
        return JoinResult(room: room, serverSeq: serverSeq, playlistSeq: room.playlistID.map { playlistSeqs[$0] ?? 0 })
    }

    /// `state:player` for one client.
    public func playerSnapshot() -> StateEvent {
        StateEvent(
            payload: .player(livePlayerState), serverSeq: serverSeq, serverEpoch: serverEpoch,
            timestamp: clock.millis, eventID: eventIDs.next(), rooms: [.playlists]
        )
    }

    /// Brings a reconnecting client up to date (CONTRACT §4 `sync:request`): the events it missed
    /// in its rooms, from the log, when the log reaches back to where it stopped and it is the same
    /// boot; fresh snapshots otherwise. The rooms asked for are joined, so events keep coming.
    public func sync(_ request: SyncRequest, subscriber: any EventSubscriber) -> SyncResult {
        var rooms = request.rooms ?? Array(subscriber.rooms)
        if rooms.contains(.playlists), request.deltas ?? subscriber.rooms.contains(.playlistDeltas) {
            rooms.append(.playlistDeltas)
        } else {
            rooms.removeAll { $0 == .playlistDeltas }
            if subscriber.rooms.contains(.playlistDeltas) { subscriber.exit(.playlistDeltas) }
        }
        rooms = rooms.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        let sameBoot = request.serverEpoch.map { $0 == serverEpoch } ?? true
        let replayable = sameBoot && request.lastGlobalSeq <= serverSeq
        if replayable, let missed = log.events(after: request.lastGlobalSeq) {
            let wanted = Set(rooms)
            let events = missed.filter { event in
                let audience = Set(event.rooms).intersection(wanted)
                guard !audience.isEmpty, wanted.isDisjoint(with: event.exceptRooms) else { return false }
                // A client that says how far it got in a playlist skips what it already has of it.
                if audience.count == 1, case .playlist(let id)? = audience.first,
                    let seen = request.lastPlaylistSeqs[id], let seq = event.playlistSeq, seq <= seen
                {
                    return false
                }
                return true
            }
            subscriber.deliver(events)
            for room in rooms where !subscriber.rooms.contains(room) {
                if case .playlist(let id) = room, !library.contains(id) { continue }
                subscriber.enter(room)
            }
            return SyncResult(rooms: rooms, serverSeq: serverSeq, mode: .replay)
        }
        for room in rooms {
            if let events = snapshot(of: room) {
                subscriber.deliver(events)
                subscriber.enter(room)
            } else if case .playlist(let id) = room {
                // Gone while the client was away: say so instead of a snapshot.
                subscriber.deliver([StateEvent(
                    payload: .playlistDeleted(id), serverSeq: serverSeq, serverEpoch: serverEpoch, playlistID: id,
                    timestamp: clock.millis, eventID: eventIDs.next(), rooms: [room]
                )])
                subscriber.exit(room)
            }
        }
        return SyncResult(rooms: rooms, serverSeq: serverSeq, mode: .snapshot)
    }
}

/// Where the sequence stood when a client joined or left a room.
public struct JoinResult: Sendable, Equatable {
    public var room: Room
    public var serverSeq: UInt64
    public var playlistSeq: UInt64?
}

/// A `sync:request`, parsed.
public struct SyncRequest: Sendable, Equatable {
    public var lastGlobalSeq: UInt64
    public var lastPlaylistSeqs: [PlaylistID: UInt64]
    /// `nil`: the rooms the client is in.
    public var rooms: [Room]?
    public var serverEpoch: String?
    /// Whether `playlists` changes come as deltas from now on (`nil`: as they did on this socket).
    public var deltas: Bool?

    public init(lastGlobalSeq: UInt64, lastPlaylistSeqs: [PlaylistID: UInt64] = [:], rooms: [Room]? = nil, serverEpoch: String? = nil, deltas: Bool? = nil) {
        self.lastGlobalSeq = lastGlobalSeq
        self.deltas = deltas
        self.lastPlaylistSeqs = lastPlaylistSeqs
        self.rooms = rooms
        self.serverEpoch = serverEpoch
    }
}

public struct SyncResult: Sendable, Equatable {
    public enum Mode: String, Sendable { case replay, snapshot }
    public var rooms: [Room]
    public var serverSeq: UInt64
    public var mode: Mode
}

extension Room {
    public var playlistID: PlaylistID? {
        if case .playlist(let id) = self { return id }
        return nil
    }
}
