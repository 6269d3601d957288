import MusicBoxCore
import Parental
import SocketIO

/// Operations over Socket.IO: the same commands as the HTTP routes, for clients that keep a
/// socket open anyway (phones as remote controls). Each takes one object argument, which may carry
/// `client_op_id`; the result comes back as `ack:op`/`err:op` to this socket (when a
/// `client_op_id` was given) and through the acknowledgement callback (when one was given).
///
/// | event | fields |
/// |---|---|
/// | `player:play` | `playlist_id?`, `track_index?`, `position_ms?` |
/// | `player:pause`, `player:toggle`, `player:stop`, `player:next`, `player:previous` | — |
/// | `player:seek` | `position_ms` |
/// | `player:volume` | `volume?`, `muted?` |
/// | `player:repeat` | `mode` (`none`/`one`/`all`) |
/// | `player:shuffle` | `enabled` |
/// | `player:sleep` | `mode` (`minutes`/`end_of_track`/`end_of_playlist`/`off`), `minutes?` |
/// | `playlist:create` | `title`, `description?` |
/// | `playlist:update` | `playlist_id`, `title?`, `description?` |
/// | `playlist:delete` | `playlist_id` |
extension RealtimeGateway {
    func installOperations() {
        operation(.play) { fields in
            if let id = try fields.playlistID("playlist_id", required: false) {
                return try AnyOperation(PlayPlaylist(playlistID: id, trackIndex: fields.int("track_index"), positionMs: fields.int64("position_ms")))
            }
            return AnyOperation(Play())
        }
        operation(.pause) { _ in AnyOperation(Pause()) }
        operation(.toggle) { _ in AnyOperation(TogglePlayback()) }
        operation(.stop) { _ in AnyOperation(Stop()) }
        operation(.next) { _ in AnyOperation(NextTrack()) }
        operation(.previous) { _ in AnyOperation(PreviousTrack()) }
        operation(.seek) { fields in try AnyOperation(Seek(positionMs: fields.require(fields.int64("position_ms"), "position_ms"))) }
        operation(.volume) { fields in try AnyOperation(SetVolume(volume: fields.int("volume"), muted: fields.bool("muted"))) }
        operation(.repeatMode) { fields in
            let text = try fields.require(fields.string("mode"), "mode")
            guard let mode = RepeatMode(rawValue: text) else { throw BoxError.validation(field: "mode", "mode must be \"none\", \"one\" or \"all\".") }
            return AnyOperation(SetRepeatMode(mode: mode))
        }
        operation(.shuffle) { fields in try AnyOperation(SetShuffle(enabled: fields.require(fields.bool("enabled"), "enabled"))) }
        operation(.sleep) { fields in
            let minutes = try fields.int("minutes")
            return try AnyOperation(SetSleepTimer(mode: fields.string("mode") ?? (minutes == nil ? "off" : "minutes"), minutes: minutes))
        }
        operation(.createPlaylist) { fields in
            try AnyOperation(CreatePlaylist(title: fields.require(fields.string("title"), "title"), description: fields.string("description") ?? ""))
        }
        operation(.updatePlaylist) { fields in
            try AnyOperation(UpdatePlaylist(id: fields.playlistID("playlist_id")!, title: fields.string("title"), description: fields.string("description")))
        }
        operation(.deletePlaylist) { fields in try AnyOperation(DeletePlaylist(id: fields.playlistID("playlist_id")!)) }
    }

    private func operation(_ operation: APIOperation, _ make: @escaping @Sendable (OperationFields) throws -> AnyOperation) {
        on(operation) { socket, arguments, reply in
            let fields = OperationFields(arguments.first)
            let opID = fields.clientOpID
            do {
                if opID == nil, fields.value("client_op_id") != nil {
                    throw BoxError.validation(field: "client_op_id", "client_op_id must be 1 to 128 printable characters.")
                }
                let operation = try make(fields)
                reply.acknowledge(await operation.run(self.operations, opID, self.client(of: socket), socket))
            } catch {
                // Refused before reaching the state manager (malformed fields): the same answers.
                let error = (error as? BoxError) ?? BoxError(.validationError, "The operation's fields could not be read.")
                let payload = OperationReporter.failure(clientOpID: opID, error: error, serverSeq: await self.state.currentServerSeq)
                if opID != nil { socket.emit("err:op", payload) }
                reply.acknowledge(payload)
            }
        }
    }
}

/// A command of any type, ready to run and report; returns the `ack:op`/`err:op` payload.
struct AnyOperation: Sendable {
    let run: @Sendable (OperationReporter, String?, String, Socket) async -> SocketValue

    init<Command: BoxCommand>(_ command: Command) where Command.Output: Encodable {
        run = { reporter, opID, client, socket in
            await reporter.run(command, clientOpID: opID, client: client, socket: socket, encode: SocketValue.encoding).1
        }
    }
}

/// The fields of an operation's argument object, read with errors that name the field.
struct OperationFields: Sendable {
    let object: [String: SocketValue]

    init(_ value: SocketValue?) { object = value?.objectValue ?? [:] }

    /// The operation's `client_op_id`, when well-formed (the same rule as HTTP); a malformed one
    /// refuses the operation, without echoing it.
    var clientOpID: String? {
        guard let text = object["client_op_id"]?.stringValue, !text.isEmpty, text.count <= 128,
            !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        return text
    }

    func value(_ name: String) -> SocketValue? {
        guard let value = object[name], value != .null else { return nil }
        return value
    }

    func string(_ name: String) throws(BoxError) -> String? {
        guard let value = value(name) else { return nil }
        guard let text = value.stringValue else { throw .validation(field: name, "\(name) must be a string.") }
        return text
    }

    func int64(_ name: String) throws(BoxError) -> Int64? {
        guard let value = value(name) else { return nil }
        guard let number = value.intValue else { throw .validation(field: name, "\(name) must be an integer.") }
        return number
    }

    func int(_ name: String) throws(BoxError) -> Int? {
        guard let number = try int64(name) else { return nil }
        guard let small = Int(exactly: number), abs(small) <= Int(Int32.max) else { throw .validation(field: name, "\(name) is out of range.") }
        return small
    }

    func bool(_ name: String) throws(BoxError) -> Bool? {
        guard let value = value(name) else { return nil }
        guard let flag = value.boolValue else { throw .validation(field: name, "\(name) must be true or false.") }
        return flag
    }

    func require<T>(_ value: T?, _ name: String) throws(BoxError) -> T {
        guard let value else { throw .validation(field: name, "\(name) is required.") }
        return value
    }

    /// A playlist id; required unless `required` is false. A malformed id is `not_found`, like an unknown one.
    func playlistID(_ name: String, required: Bool = true) throws(BoxError) -> PlaylistID? {
        guard let text = try string(name) else {
            if required { throw .validation(field: name, "\(name) is required.") }
            return nil
        }
        guard let id = PlaylistID(text) else { throw .playlistNotFoundText(text) }
        return id
    }
}
