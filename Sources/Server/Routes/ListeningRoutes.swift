import Hummingbird
import MusicBoxCore

/// `/api/player/listening`: where today's listening stands against the parents' daily limit
/// (anyone may look), and `/extend`, which adds minutes to today (parents only).
struct ListeningRoutes<Context: RequestContext> {
    let dependencies: APIDependencies
    var body: JSONBodyReader { JSONBodyReader(limit: dependencies.maxJSONBodyBytes) }

    func register(on routes: OperationRoutes<Context>) {
        routes.add(.listening, use: status)
        routes.add(.extendListening, use: extend)
    }

    @Sendable func status(_ request: Request, context: Context) async throws -> Response {
        try JSONResponse.success(await dependencies.state.listening(), message: "Listening today")
    }

    struct ExtendBody: Decodable {
        var minutes: Int
    }

    @Sendable func extend(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(ExtendBody.self, from: request)
        return try JSONResponse.success(try await dependencies.state.extendListening(minutes: input.minutes), message: "Minutes added")
    }
}
