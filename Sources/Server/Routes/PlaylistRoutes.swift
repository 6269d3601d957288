import Hummingbird
import MusicBoxCore

/// `/api/playlists`: list with paging and get. Creating, renaming, deleting and starting one are
/// ``SharedCommands``, read by the same code as their Socket.IO events.
struct PlaylistRoutes<Context: RequestContext> {
    let dependencies: APIDependencies

    static var maxPageSize: Int { 1000 }

    func register(on routes: OperationRoutes<Context>) {
        routes.add(.listPlaylists, use: list)
        routes.add(.getPlaylist, use: get)
    }

    struct ListData: Encodable {
        var playlists: [PlaylistSummary]
        var total: Int
        var page: Int
        var limit: Int
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let page = try QueryInt.read(request, "page", default: 1, range: 1...Int(Int32.max))
        let limit = try QueryInt.read(request, "limit", default: 50, range: 1...Self.maxPageSize)
        let result = try await dependencies.library.playlistPage(offset: (page - 1) * limit, limit: limit)
        let data = ListData(playlists: result.playlists, total: result.total, page: page, limit: limit)
        return try JSONResponse.success(data, message: "\(result.total) playlist(s)")
    }

    /// A playlist with where its tag would continue it (`continues_at`, `null`: from the top).
    struct PlaylistData: Encodable {
        var playlist: PlaylistDetail
        var continuesAt: ContinuePlace?

        enum CodingKeys: String, CodingKey { case continuesAt = "continues_at" }

        func encode(to encoder: any Encoder) throws {
            try playlist.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(continuesAt, forKey: .continuesAt)
        }
    }

    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        let id = try playlistID(context)
        guard let playlist = try await dependencies.library.playlist(id) else { throw BoxError.playlistNotFound(id) }
        let place = await dependencies.state.continuePlace(of: id)
        return try JSONResponse.success(PlaylistData(playlist: playlist, continuesAt: place), message: "Playlist \(id)")
    }

    private func playlistID(_ context: Context) throws -> PlaylistID { try PathID.playlist(context) }
}

/// Integer query parameters with a default and a range; anything else is a 400 naming the parameter.
enum QueryInt {
    static func read(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw BoxError.validation(field: name, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return number
    }
}
