import Foundation
import Logging
import Synchronization

/// Tags tapped and lifted, and the linking sessions of CONTRACT §5: the state manager's side of
/// the reader. Their rules are commands (``PlaceTag``, ``RemoveTag``, ``LinkTag``); this is what
/// the manager announces around them.
extension StateManager {
    // MARK: Tags

    /// A settled tag event from the reader: plays, resumes or pauses as ``PlaceTag`` and
    /// ``RemoveTag`` say, and tells listeners (`nfc:tag`, to the `nfc` and `playlists` rooms).
    @discardableResult
    public func tag(_ event: TagEvent) -> TagOutcome {
        if case .placed(let tag) = event, let session = association, !session.state.isOver {
            let outcome = associate(tag, in: session)
            playFeedback(association?.state == .success ? .tagLinked : .error)
            publishTag(outcome)
            return outcome
        }
        if case .placed(let tag) = event, let command = commandTags[tag] {
            let outcome = run(command, of: tag)
            publishTag(outcome)
            return outcome
        }
        if case .removed(let tag) = event, commandTags[tag] != nil {
            let outcome = TagOutcome(tagID: tag, present: false, action: .none)
            publishTag(outcome)
            return outcome
        }
        let outcome: TagOutcome
        do {
            switch event {
            case .placed(let tag): outcome = try perform(PlaceTag(tag: tag)).value
            case .removed(let tag): outcome = try perform(RemoveTag(tag: tag)).value
            }
        } catch {
            if error.details["reason"] == "daily_limit" {
                logger.notice("tag \(event) ignored: \(error.message)")
                playFeedback(.goodbye)
            } else if error.details["reason"] == "quiet_hours" {
                logger.notice("tag \(event) ignored: \(error.message)")
            } else {
                logger.error("tag \(event) could not be handled: \(error.message)")
            }
            switch event {
            case .placed(let tag): outcome = TagOutcome(tagID: tag, present: true, action: .none)
            case .removed(let tag): outcome = TagOutcome(tagID: tag, present: false, action: .none)
            }
        }
        switch outcome.action {
        case .unknown: playFeedback(.unknownTag)
        case .empty: playFeedback(.error)
        default: break
        }
        publishTag(outcome)
        return outcome
    }

    /// A command tag was placed: its command, through the manager like any other; a short
    /// positive sound says it was done (the goodbye sound for switching off), the error sound
    /// that it could not be.
    func run(_ command: TagCommand, of tag: TagID) -> TagOutcome {
        var outcome = TagOutcome(tagID: tag, present: true, action: .command)
        outcome.command = command.action.rawValue
        do throws(BoxError) {
            switch command.action {
            case .sleep: _ = try perform(SetSleepTimer(mode: "minutes", minutes: command.minutes))
            case .sleepEndOfTrack: _ = try perform(SetSleepTimer(mode: "end_of_track"))
            case .volumeCap: _ = try perform(UpdateSettings(maxVolume: command.volume))
            case .stop: _ = try perform(Stop())
            case .toddlerLock: _ = try perform(SetToddlerLock())
            case .shutdown:
                guard let powerOff = powerOff.withLock({ $0 }) else { throw BoxError(.unavailable, "Switching off is not set up on this box.") }
                Task { try? await powerOff() }
                logger.notice("command tag \(tag): switching off")
                return outcome
            }
            // Every tap is meant: each is answered, however close after another.
            playFeedback(.tagLinked, evenIfJustPlayed: true)
            logger.info("command tag \(tag): \(command.action.rawValue)")
        } catch {
            logger.notice("command tag \(tag) (\(command.action.rawValue)) refused: \(error.message)")
            playFeedback(.error, evenIfJustPlayed: true)
            outcome.action = .none
        }
        return outcome
    }

    /// Tells the playlist's room and the collection's how an upload goes (CONTRACT §6). Through the
    /// state manager so that `upload:complete` follows the `state:playlist` that added the track.
    public func announce(_ notice: UploadNotice) {
        publisher.publish(StateEvent(
            payload: .upload(notice), serverSeq: serverSeq, serverEpoch: serverEpoch, timestamp: clock.millis,
            eventID: eventIDs.next(), rooms: [.playlist(notice.playlistID), .playlists]
        ))
    }

    /// A link task's event, to the playlist's room and the socket that asked for it.
    public func announce(_ notice: LinkNotice) {
        var rooms: [Room] = [.playlist(notice.task.playlistID)]
        if let requester = notice.task.requester { rooms.append(.socket(requester)) }
        publisher.publish(StateEvent(
            payload: .link(notice), serverSeq: serverSeq, serverEpoch: serverEpoch, timestamp: clock.millis,
            eventID: eventIDs.next(), rooms: rooms
        ))
    }

    /// Whether the playlist exists now (uploads check before accepting more bytes for it).
    public func hasPlaylist(_ id: PlaylistID) -> Bool { library.contains(id) }

    /// Every playlist's title, in the box's order.
    public var playlistTitles: [String] { library.summaries.map(\.title) }

    /// The first playlist, in the box's order, with this title (letter case aside).
    public func playlist(titled title: String) -> PlaylistID? {
        let wanted = title.lowercased()
        return library.summaries.first { $0.title.lowercased() == wanted }?.id
    }

    func publishTag(_ outcome: TagOutcome) {
        publisher.publish(StateEvent(
            payload: .tag(outcome), serverSeq: serverSeq, serverEpoch: serverEpoch, timestamp: clock.millis,
            eventID: eventIDs.next(), rooms: [.nfc, .playlists]
        ))
    }

    // MARK: Association sessions (CONTRACT §5)

    /// Opens a session: the next tag tapped is linked to `playlistID` instead of played. A session
    /// already open is stopped first. It times out after `timeoutSeconds` (`timeout` is published then).
    public func startAssociation(playlistID: PlaylistID, timeoutSeconds: Int = 60) throws(BoxError) -> AssociationStatus {
        guard library.contains(playlistID) else { throw BoxError.playlistNotFound(playlistID) }
        guard (5...600).contains(timeoutSeconds) else {
            throw BoxError.validation(field: "timeout_s", "timeout_s must be from 5 to 600 seconds.")
        }
        if let open = association, !open.state.isOver { _ = try? stopAssociation(open.assocID) }
        let now = clock.millis
        let session = AssociationStatus(
            assocID: UUID().uuidString.lowercased(), state: .listening, playlistID: playlistID,
            startedAt: now, timeoutAt: now + Int64(timeoutSeconds) * 1000
        )
        publishAssociation(session)
        let id = session.assocID
        Task { [weak self] in
            try? await Task.sleep(for: .seconds(timeoutSeconds))
            await self?.expireAssociation(id)
        }
        return association ?? session
    }

    /// Ends the session at once (`stopped`). `not_found` when it is unknown or already over.
    public func stopAssociation(_ id: String) throws(BoxError) -> AssociationStatus {
        guard var session = association, session.assocID == id, !session.state.isOver else {
            throw BoxError(.notFound, "No open NFC linking session \(id).", details: ["assoc_id": id])
        }
        session.state = .stopped
        publishAssociation(session)
        return association ?? session
    }

    /// Moves a tag to a playlist although it plays another (`override_nfc_tag`); the open session
    /// for that playlist, if any, ends in `success`.
    public func overrideTag(_ tag: TagID, playlistID: PlaylistID) throws(BoxError) -> TagLink {
        let link = try perform(LinkTag(tag: tag, playlistID: playlistID, force: true)).value
        tagLinkedByHand(tag, playlistID: playlistID)
        return link
    }

    /// A tag was linked to `playlistID` some other way than tapping it (a forced link after a
    /// duplicate): an open linking session for that playlist ends in `success` with it.
    public func tagLinkedByHand(_ tag: TagID, playlistID: PlaylistID) {
        guard var session = association, !session.state.isOver, session.playlistID == playlistID else { return }
        session.state = .success
        session.tagID = tag
        session.conflict = nil
        publishAssociation(session)
        playFeedback(.tagLinked)
    }

    /// Blocks the state manager's thread, as a deadlock would: nothing else runs on it meanwhile.
    /// Only for testing the systemd watchdog (`/api/dev/stall`, simulated hardware).
    @_spi(Simulation) public func hangForTesting(seconds: Double) {
        logger.warning("hanging the state manager for \(seconds) s on request (watchdog test)")
        Thread.sleep(forTimeInterval: seconds)
    }

    /// The open session, if any.
    public var currentAssociation: AssociationStatus? { association.flatMap { $0.state.isOver ? nil : $0 } }

    func expireAssociation(_ id: String) {
        guard var session = association, session.assocID == id, !session.state.isOver else { return }
        session.state = .timeout
        publishAssociation(session)
    }

    /// A tag tapped while a session is open: linked, or `duplicate` when it plays another playlist.
    func associate(_ tag: TagID, in session: AssociationStatus) -> TagOutcome {
        var session = session
        session.tagID = tag
        let owner = library.playlist(taggedWith: tag)?.summary
        if let owner, owner.id != session.playlistID {
            session.state = .duplicate
            session.conflict = owner
        } else {
            do {
                if owner == nil { _ = try perform(LinkTag(tag: tag, playlistID: session.playlistID)) }
                session.state = .success
                session.conflict = nil
            } catch {
                logger.error("linking tag \(tag) failed: \(error.message)")
                session.state = .error
            }
        }
        publishAssociation(session)
        return TagOutcome(tagID: tag, present: true, action: .linking, playlist: library.playlist(session.playlistID)?.summary)
    }

    func publishAssociation(_ session: AssociationStatus) {
        var session = session
        session.serverSeq = serverSeq
        association = session
        for payload in [EventPayload.nfcStatus(session), .nfcAssociationState(session)] {
            publisher.publish(StateEvent(
                payload: payload, serverSeq: serverSeq, serverEpoch: serverEpoch, timestamp: clock.millis,
                eventID: eventIDs.next(), rooms: [.nfc]
            ))
        }
    }
}
