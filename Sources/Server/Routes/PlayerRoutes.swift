import Hummingbird
import MusicBoxCore

/// `GET /api/player/status` (CONTRACT §7). The player's operations (`/api/player/play`, `pause`,
/// `seek`, `volume`, `sleep`, …) are ``SharedCommands``, read by the same code as their Socket.IO
/// events; each answers with the player state after it and its `server_seq`.
struct PlayerRoutes<Context: RequestContext> {
    let dependencies: APIDependencies

    func register(on routes: OperationRoutes<Context>) {
        routes.add(.playerStatus, use: status)
    }

    @Sendable func status(_ request: Request, context: Context) async throws -> Response {
        let state = dependencies.state
        async let player = state.playerState
        async let seq = state.currentServerSeq
        return try JSONResponse.success(await player, message: "Player state", serverSeq: await seq)
    }
}
