import Hummingbird
import MusicBoxCore

/// `/api/player/...` (CONTRACT §7): playback control through the state manager. Every route
/// answers with the player state after the operation (`state:player`'s shape) and its `server_seq`.
struct PlayerRoutes<Context: RequestContext> {
    let dependencies: APIDependencies
    var body: JSONBodyReader { JSONBodyReader(limit: dependencies.maxJSONBodyBytes) }

    func register(on routes: OperationRoutes<Context>) {
        routes.add(.playerStatus, use: status)
        routes.add(.play, use: play)
        routes.add(.pause) { request, _ in try await simple(Pause(), request, message: "Paused") }
        routes.add(.toggle) { request, _ in try await simple(TogglePlayback(), request, message: "Toggled") }
        routes.add(.stop) { request, _ in try await simple(Stop(), request, message: "Stopped") }
        routes.add(.next) { request, _ in try await simple(NextTrack(), request, message: "Next track") }
        routes.add(.previous) { request, _ in try await simple(PreviousTrack(), request, message: "Previous track") }
        routes.add(.seek, use: seek)
        routes.add(.volume, use: volume)
        routes.add(.repeatMode, use: repeatMode)
        routes.add(.shuffle, use: shuffle)
        routes.add(.sleep, use: sleep)
    }

    struct SleepBody: Decodable {
        var mode: String?
        var minutes: Int?
        var client_op_id: String?
    }

    /// `{mode: "minutes"|"end_of_track"|"end_of_playlist"|"off", minutes?}`; minutes alone means
    /// `minutes`; `minutes` mode without a number takes the `sleep_timer_minutes` setting.
    @Sendable func sleep(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(SleepBody.self, from: request)
        let opID = try ClientOpID.validate(input.client_op_id)
        let command = SetSleepTimer(mode: input.mode ?? (input.minutes == nil ? "off" : "minutes"), minutes: input.minutes)
        return try await dependencies.respond(to: request, with: command, clientOpID: opID, message: "Sleep timer set")
    }

    @Sendable func status(_ request: Request, context: Context) async throws -> Response {
        let state = dependencies.state
        async let player = state.playerState
        async let seq = state.currentServerSeq
        return try JSONResponse.success(await player, message: "Player state", serverSeq: await seq)
    }

    struct OpBody: Decodable { var client_op_id: String? }

    /// Operations without fields besides `client_op_id` (the body may be empty).
    private func simple<Command: BoxCommand>(_ command: Command, _ request: Request, message: String) async throws -> Response
    where Command.Output == PlayerState {
        let input = try await body.decodeIfPresent(OpBody.self, from: request) ?? OpBody()
        return try await run(command, clientOpID: input.client_op_id, request, message: message)
    }

    private func run<Command: BoxCommand>(_ command: Command, clientOpID: String?, _ request: Request, message: String) async throws -> Response
    where Command.Output == PlayerState {
        let opID = try ClientOpID.validate(clientOpID)
        return try await dependencies.respond(to: request, with: command, clientOpID: opID, message: message)
    }

    struct PlayBody: Decodable {
        var playlist_id: String?
        var track_index: Int?
        var position_ms: Int64?
        var client_op_id: String?
    }

    /// With `playlist_id`: plays that playlist. Without: resumes (or restarts the loaded track).
    @Sendable func play(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decodeIfPresent(PlayBody.self, from: request) ?? PlayBody()
        guard let text = input.playlist_id else {
            return try await run(Play(), clientOpID: input.client_op_id, request, message: "Playing")
        }
        guard let id = PlaylistID(text) else {
            throw OperationFailure(error: .validation(field: "playlist_id", "playlist_id must be a playlist id (a UUID)."), clientOpID: input.client_op_id)
        }
        let command = PlayPlaylist(playlistID: id, trackIndex: input.track_index, positionMs: input.position_ms)
        return try await run(command, clientOpID: input.client_op_id, request, message: "Playing")
    }

    struct SeekBody: Decodable {
        var position_ms: Int64
        var client_op_id: String?
    }

    @Sendable func seek(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(SeekBody.self, from: request)
        return try await run(Seek(positionMs: input.position_ms), clientOpID: input.client_op_id, request, message: "Seeked")
    }

    struct VolumeBody: Decodable {
        var volume: Int?
        var muted: Bool?
        var client_op_id: String?
    }

    @Sendable func volume(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(VolumeBody.self, from: request)
        return try await run(SetVolume(volume: input.volume, muted: input.muted), clientOpID: input.client_op_id, request, message: "Volume set")
    }

    struct RepeatBody: Decodable {
        var mode: String
        var client_op_id: String?
    }

    @Sendable func repeatMode(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(RepeatBody.self, from: request)
        guard let mode = RepeatMode(rawValue: input.mode) else {
            throw OperationFailure(error: .validation(field: "mode", "mode must be \"none\", \"one\" or \"all\"."), clientOpID: input.client_op_id)
        }
        return try await run(SetRepeatMode(mode: mode), clientOpID: input.client_op_id, request, message: "Repeat set")
    }

    struct ShuffleBody: Decodable {
        var enabled: Bool
        var client_op_id: String?
    }

    @Sendable func shuffle(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(ShuffleBody.self, from: request)
        return try await run(SetShuffle(enabled: input.enabled), clientOpID: input.client_op_id, request, message: "Shuffle set")
    }
}
