import HTTPTypes
import Hummingbird
import MusicBoxCore
import SocketIO

/// The commands reached both over HTTP and over Socket.IO, each read from its fields by one
/// reader: the HTTP route reads its JSON body (plus the playlist id of its path) into the same
/// ``OperationFields`` a Socket.IO event carries, so defaults (the sleep timer's), validation
/// (repeat modes, ids) and the `client_op_id` rule are written once.
struct SharedCommand: Sendable {
    let operation: APIOperation
    /// The HTTP answer's message.
    let message: String
    var status: HTTPResponse.Status = .ok
    /// Whether the HTTP route needs a JSON body (the others take an empty one as no fields).
    var needsBody = false
    let read: @Sendable (OperationFields) throws(BoxError) -> AnyOperation
}

enum SharedCommands {
    static let play = SharedCommand(operation: .play, message: "Playing") { fields throws(BoxError) in
        guard let id = try fields.playlistID("playlist_id", required: false) else { return AnyOperation(Play()) }
        return AnyOperation(PlayPlaylist(playlistID: id, trackIndex: try fields.int("track_index"), positionMs: try fields.int64("position_ms")))
    }
    /// `POST /api/playlists/{id}/start`: the playlist comes from the path.
    static let start = SharedCommand(operation: .startPlaylist, message: "Playing") { fields throws(BoxError) in
        AnyOperation(PlayPlaylist(
            playlistID: try fields.playlistID("playlist_id")!, trackIndex: try fields.int("track_index"), positionMs: try fields.int64("position_ms")
        ))
    }
    static let pause = SharedCommand(operation: .pause, message: "Paused") { _ in AnyOperation(Pause()) }
    static let toggle = SharedCommand(operation: .toggle, message: "Toggled") { _ in AnyOperation(TogglePlayback()) }
    static let stop = SharedCommand(operation: .stop, message: "Stopped") { _ in AnyOperation(Stop()) }
    static let next = SharedCommand(operation: .next, message: "Next track") { _ in AnyOperation(NextTrack()) }
    static let previous = SharedCommand(operation: .previous, message: "Previous track") { _ in AnyOperation(PreviousTrack()) }
    static let seek = SharedCommand(operation: .seek, message: "Seeked", needsBody: true) { fields throws(BoxError) in
        AnyOperation(Seek(positionMs: try fields.require(fields.int64("position_ms"), "position_ms")))
    }
    static let volume = SharedCommand(operation: .volume, message: "Volume set", needsBody: true) { fields throws(BoxError) in
        AnyOperation(SetVolume(volume: try fields.int("volume"), muted: try fields.bool("muted")))
    }
    static let repeatMode = SharedCommand(operation: .repeatMode, message: "Repeat set", needsBody: true) { fields throws(BoxError) in
        let text = try fields.require(fields.string("mode"), "mode")
        guard let mode = RepeatMode(rawValue: text) else { throw .validation(field: "mode", "mode must be \"none\", \"one\" or \"all\".") }
        return AnyOperation(SetRepeatMode(mode: mode))
    }
    static let shuffle = SharedCommand(operation: .shuffle, message: "Shuffle set", needsBody: true) { fields throws(BoxError) in
        AnyOperation(SetShuffle(enabled: try fields.require(fields.bool("enabled"), "enabled")))
    }
    /// `{mode: "minutes"|"end_of_track"|"end_of_playlist"|"off", minutes?}`; minutes alone means
    /// `minutes`; `minutes` mode without a number takes the `sleep_timer_minutes` setting.
    static let sleep = SharedCommand(operation: .sleep, message: "Sleep timer set", needsBody: true) { fields throws(BoxError) in
        let minutes = try fields.int("minutes")
        return AnyOperation(SetSleepTimer(mode: try fields.string("mode") ?? (minutes == nil ? "off" : "minutes"), minutes: minutes))
    }
    static let createPlaylist = SharedCommand(operation: .createPlaylist, message: "Playlist created", status: .created, needsBody: true) { fields throws(BoxError) in
        AnyOperation(CreatePlaylist(title: try fields.require(fields.string("title"), "title"), description: try fields.string("description") ?? ""))
    }
    static let updatePlaylist = SharedCommand(operation: .updatePlaylist, message: "Playlist updated", needsBody: true, read: readUpdate)
    static let replacePlaylist = SharedCommand(operation: .replacePlaylist, message: "Playlist updated", needsBody: true, read: readUpdate)
    static let deletePlaylist = SharedCommand(operation: .deletePlaylist, message: "Playlist deleted") { fields throws(BoxError) in
        AnyOperation(DeletePlaylist(id: try fields.playlistID("playlist_id")!))
    }

    private static func readUpdate(_ fields: OperationFields) throws(BoxError) -> AnyOperation {
        AnyOperation(UpdatePlaylist(id: try fields.playlistID("playlist_id")!, title: try fields.string("title"), description: try fields.string("description")))
    }

    static let all: [SharedCommand] = [
        play, start, pause, toggle, stop, next, previous, seek, volume, repeatMode, shuffle, sleep,
        createPlaylist, updatePlaylist, replacePlaylist, deletePlaylist,
    ]
}

/// A command of any type, ready to run and report: over Socket.IO it answers the `ack:op`/`err:op`
/// payload, over HTTP the contract's envelope.
struct AnyOperation: Sendable {
    let runForSocket: @Sendable (OperationReporter, String?, String, Socket) async -> SocketValue
    let runForHTTP: @Sendable (APIDependencies, Request, String?, String, HTTPResponse.Status) async throws -> Response
    /// For a client without a channel of answers (MQTT): performs it, the client named.
    let perform: @Sendable (StateManager, String) async throws(BoxError) -> Void

    init<Command: BoxCommand>(_ command: Command) where Command.Output: Encodable {
        perform = { state, client throws(BoxError) in _ = try await state.perform(command, client: client) }
        runForSocket = { reporter, opID, client, socket in
            await reporter.run(command, clientOpID: opID, client: client, socket: socket, encode: SocketValue.encoding).1
        }
        runForHTTP = { dependencies, request, opID, message, status in
            try await dependencies.respond(to: request, with: command, clientOpID: opID, message: message, status: status)
        }
    }
}
