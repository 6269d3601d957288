/// How the box answers tags: each a parents' setting (`/api/settings`), defaults as a child expects.
public struct TagBehaviour: Sendable, Equatable {
    public enum Removal: String, Sendable, Equatable, Codable {
        /// Lifting the tag pauses; putting it back continues.
        case pause
        /// Lifting the tag changes nothing: it only starts things.
        case keepPlaying = "keep_playing"
    }

    /// What tapping the tag of the playlist already loaded does (a second tap, or putting it
    /// back after a lift): parents choose (Phoniebox #228, #196).
    public enum Again: String, Sendable, Equatable, Codable, CaseIterable {
        /// It goes on: playing stays playing, paused continues.
        case `continue`
        /// The playlist starts over from its first track.
        case restart
        /// The next track plays (at the last one, as `continue`).
        case next
    }

    public var removal = Removal.pause
    public var again = Again.continue
    /// A playlist left longer ago than this starts over instead of resuming (24 h; 0: never).
    public var startOverAfterMs: Int64 = 24 * 3600 * 1000

    public init() {}

    /// The parents' current choices (`/api/settings`); a damaged value reads as the default.
    static func current(_ store: any LibraryReading) -> TagBehaviour {
        var behaviour = TagBehaviour()
        if let text = try? store.setting(BoxSettings.tagRemoval), let removal = Removal(rawValue: text) { behaviour.removal = removal }
        if let hours = try? store.setting(BoxSettings.startOverAfterHours) { behaviour.startOverAfterMs = Int64(hours) * 3600 * 1000 }
        if let text = try? store.setting(BoxSettings.tagAgain), let again = Again(rawValue: text) { behaviour.again = again }
        return behaviour
    }
}

/// What a tag did, told to listeners as `nfc:tag` (ephemeral): the web UI shows it, and offers
/// "link this tag" for an unknown one.
public struct TagOutcome: Sendable, Equatable, Encodable {
    public enum Action: String, Sendable, Equatable, Encodable {
        /// The linked playlist started from its beginning.
        case started
        /// The linked playlist continued where it was left (a resume point, or paused by a lift).
        case resumed
        /// The playlist was already playing: nothing changed (a tag put back, a second tap).
        case continued
        /// Tapped again with `tag_again` `next`: the next track plays.
        case skipped
        /// The tag is linked to no playlist.
        case unknown
        /// The linked playlist has no tracks yet.
        case empty
        /// The tag was lifted and the music paused.
        case paused
        /// The tag was lifted; nothing to do (another playlist plays, or `keep_playing`).
        case none
        /// A linking session was open: the tag was linked (or found to play another playlist), not played.
        case linking
        /// A command tag: its command (`command`) was done.
        case command
    }

    public var tagID: TagID
    public var present: Bool
    public var action: Action
    public var playlistID: PlaylistID?
    public var playlistTitle: String?
    /// A command tag's action (``TagCommand/Action``), when `action` is `command`.
    public var command: String?

    public init(tagID: TagID, present: Bool, action: Action, playlist: PlaylistSummary? = nil) {
        self.tagID = tagID
        self.present = present
        self.action = action
        playlistID = playlist?.id
        playlistTitle = playlist?.title
    }

    enum CodingKeys: String, CodingKey {
        case present, action, command
        case tagID = "tag_id"
        case playlistID = "playlist_id"
        case playlistTitle = "playlist_title"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tagID, forKey: .tagID)
        try container.encode(present, forKey: .present)
        try container.encode(action, forKey: .action)
        try container.encode(playlistID, forKey: .playlistID)
        try container.encode(playlistTitle, forKey: .playlistTitle)
        try container.encodeIfPresent(command, forKey: .command)
    }
}

/// A tag came to rest on the reader: its playlist plays, resuming where it was left.
///
/// - the playlist already playing continues (a tag left lying, or put back, is no restart);
/// - the playlist paused by lifting its tag continues where it paused;
/// - a playlist that follows a podcast plays its newest episode not heard to the end, where
///   that episode was left;
/// - otherwise it starts at its resume point (track and position), unless that is older than
///   ``TagBehaviour/startOverAfterMs`` or its track is gone: then from the beginning. The
///   playlist that played before keeps its own resume point (the manager saves it on the switch).
public struct PlaceTag: PlayerCommand {
    public var tag: TagID

    public init(tag: TagID) { self.tag = tag }

    public func run(in context: inout CommandContext) throws -> TagOutcome {
        let outcome = try play(in: &context)
        if [.started, .resumed, .skipped].contains(outcome.action) {
            VolumeGuard.current(context.store).tapped(&context.player, now: context.now, on: context.engine)
        }
        return outcome
    }

    private func play(in context: inout CommandContext) throws -> TagOutcome {
        let behaviour = TagBehaviour.current(context.store)
        guard let detail = context.library.playlist(taggedWith: tag) else {
            return TagOutcome(tagID: tag, present: true, action: .unknown)
        }
        let summary = detail.summary
        guard !detail.tracks.isEmpty else { return TagOutcome(tagID: tag, present: true, action: .empty, playlist: summary) }
        if context.player.playlist?.id == summary.id, context.player.current != nil, context.player.status != .stopped {
            switch behaviour.again {
            case .restart:
                _ = try PlayPlaylist(playlistID: summary.id).run(in: &context)
                return TagOutcome(tagID: tag, present: true, action: .started, playlist: summary)
            case .next:
                if let next = context.player.followingIndex {
                    context.player.load(index: next, at: 0, playing: true, on: context.engine)
                    return TagOutcome(tagID: tag, present: true, action: .skipped, playlist: summary)
                }
            case .continue:
                break
            }
        }
        if context.player.playlist?.id == summary.id, context.player.current != nil {
            switch context.player.status {
            case .playing:
                return TagOutcome(tagID: tag, present: true, action: .continued, playlist: summary)
            case .paused:
                context.player.resume(on: context.engine)
                return TagOutcome(tagID: tag, present: true, action: .resumed, playlist: summary)
            case .stopped:
                break
            }
        }
        let action = try ContinuePlaylist(detail: detail).start(in: &context, behaviour: behaviour)
        return TagOutcome(tagID: tag, present: true, action: action, playlist: summary)
    }
}

/// Starts a playlist where it was left, as its tag does and as play with nothing loaded does:
/// a podcast at its newest episode not heard to the end (where that was left); otherwise at its
/// resume point unless that is older than ``TagBehaviour/startOverAfterMs`` or its track is
/// gone; otherwise from the beginning.
struct ContinuePlaylist {
    var detail: PlaylistDetail

    /// Where starting it goes: a track of its order, a position in it, and whether that is
    /// coming back to a place (rather than starting from the top or an episode's start).
    struct Plan: Equatable {
        var trackIndex: Int
        var positionMs: Int64
        var resumes: Bool
    }

    /// Decides where it would start, changing nothing (a playlist's page shows it before the tap).
    func plan(in context: CommandContext, behaviour: TagBehaviour) throws -> Plan {
        let summary = detail.summary
        // A podcast: the newest episode not heard to its end, where it was left (each keeps its
        // own place, however long ago); all heard: the newest from its start.
        if let places = try context.episodeProgress(in: summary.id) {
            let index = detail.tracks.firstIndex { places[$0.id]?.finished != true } ?? 0
            let track = detail.tracks[index]
            let saved = places[track.id].map { $0.finished ? 0 : $0.positionMs } ?? 0
            let position = track.durationMs > 0 && saved >= track.durationMs ? 0 : max(0, saved)
            return Plan(trackIndex: index, positionMs: position, resumes: position > 0)
        }
        if let point = try context.resumePoint(for: summary.id),
           behaviour.startOverAfterMs == 0 || context.now - point.updatedAt < behaviour.startOverAfterMs,
           let index = detail.tracks.firstIndex(where: { $0.id == point.trackID }) {
            let track = detail.tracks[index]
            // A point at the very end (or past a shortened file) starts that track again.
            let position = track.durationMs > 0 && point.positionMs >= track.durationMs ? 0 : max(0, point.positionMs)
            return Plan(trackIndex: index, positionMs: position, resumes: true)
        }
        return Plan(trackIndex: 0, positionMs: 0, resumes: false)
    }

    func start(in context: inout CommandContext, behaviour: TagBehaviour) throws -> TagOutcome.Action {
        let plan = try plan(in: context, behaviour: behaviour)
        _ = try PlayPlaylist(playlistID: detail.summary.id, trackIndex: plan.trackIndex, positionMs: plan.positionMs).run(in: &context)
        return plan.resumes ? .resumed : .started
    }
}

/// A tag left the reader (for longer than the reader's grace time): its playlist pauses, when it
/// is the one playing and the parents chose `pause`.
public struct RemoveTag: PlayerCommand {
    public var tag: TagID

    public init(tag: TagID) { self.tag = tag }

    public func run(in context: inout CommandContext) throws -> TagOutcome {
        let behaviour = TagBehaviour.current(context.store)
        let summary = context.library.playlist(taggedWith: tag)?.summary
        guard let summary, behaviour.removal == .pause, context.player.playlist?.id == summary.id,
              context.player.status == .playing else {
            return TagOutcome(tagID: tag, present: false, action: .none, playlist: summary)
        }
        context.player.pause(on: context.engine)
        return TagOutcome(tagID: tag, present: false, action: .paused, playlist: summary)
    }
}
