import Foundation
import Hummingbird
import MusicBoxCore
import SocketIO
import Uploads

/// Songs from a link (the reference contract's §7): start a task, list a playlist's tasks, cancel
/// one. Progress comes as `youtube:progress` to the playlist's room and to the socket named by
/// `X-Socket-ID`.
struct LinkRoutes<Context: RequestContext> {
    let dependencies: APIDependencies
    var body: JSONBodyReader { JSONBodyReader(limit: dependencies.maxJSONBodyBytes) }

    func register(on routes: OperationRoutes<Context>) {
        routes.add(.addLink, use: add)
        routes.add(.listLinks, use: list)
        routes.add(.cancelLink, use: cancel)
        routes.add(.followFeed, use: follow)
        routes.add(.getFeed, use: feed)
        routes.add(.refreshFeed, use: refresh)
        routes.add(.unfollowFeed, use: unfollow)
    }

    // MARK: Podcasts

    struct FollowBody: Decodable {
        var url: String
        var keep: Int?
    }

    /// The playlist follows a podcast: the feed is read at once (a wrong address is refused
    /// here), the newest `keep` (3) episodes download in the background.
    @Sendable func follow(_ request: Request, context: Context) async throws -> Response {
        let playlist = try PathID.playlist(context)
        let input = try await body.decode(FollowBody.self, from: request)
        let feed = try await feeds().follow(playlistID: playlist, url: input.url, keep: input.keep ?? 3)
        return try JSONResponse.success(feed, message: "Following the podcast")
    }

    /// The podcast, or `data: null` for a playlist that follows none (404: no such playlist).
    @Sendable func feed(_ request: Request, context: Context) async throws -> Response {
        let playlist = try PathID.playlist(context)
        guard try await dependencies.library.playlist(playlist) != nil else { throw BoxError.playlistNotFound(playlist) }
        let feed = try await dependencies.library.feed(for: playlist)
        return try JSONResponse.success(feed, message: feed.map { "\($0.episodes.count) episode(s)" } ?? "The playlist follows no podcast")
    }

    @Sendable func refresh(_ request: Request, context: Context) async throws -> Response {
        let feed = try await feeds().refresh(playlistID: try PathID.playlist(context))
        return try JSONResponse.success(feed, message: feed.error == nil ? "Podcast read again" : "The podcast could not be read")
    }

    @Sendable func unfollow(_ request: Request, context: Context) async throws -> Response {
        let playlist = try PathID.playlist(context)
        try await feeds().unfollow(playlistID: playlist)
        return try JSONResponse.success(["playlist_id": playlist.description], message: "No longer following the podcast")
    }

    private func feeds() throws(BoxError) -> FeedService {
        guard let feeds = dependencies.feeds else {
            throw BoxError(.unavailable, "Podcasts are not set up on this box.", details: ["reason": "feeds_not_set_up"])
        }
        return feeds
    }

    struct AddBody: Decodable {
        var url: String
    }

    struct TaskList: Encodable {
        var tasks: [LinkTask]
    }

    @Sendable func add(_ request: Request, context: Context) async throws -> Response {
        let playlist = try PathID.playlist(context)
        let input = try await body.decode(AddBody.self, from: request)
        let url = try StreamURL.check(input.url)
        let links = try service()
        let requester = request.headers[OperationSupport.socketHeader].flatMap { dependencies.operations.socket(named: $0)?.id }
        let task = try await links.start(url: url, playlistID: playlist, requester: requester)
        return try JSONResponse.success(task, message: "Fetching the song", status: .accepted)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let playlist = try PathID.playlist(context)
        guard try await dependencies.library.playlist(playlist) != nil else { throw BoxError.playlistNotFound(playlist) }
        let tasks = await (try service()).list(playlistID: playlist)
        return try JSONResponse.success(TaskList(tasks: tasks), message: "\(tasks.count) link task(s)")
    }

    @Sendable func cancel(_ request: Request, context: Context) async throws -> Response {
        let playlist = try PathID.playlist(context)
        let taskID = try context.parameters.require("task_id")
        try await (try service()).cancel(taskID: taskID, playlistID: playlist)
        return try JSONResponse.success(["task_id": taskID], message: "Link task cancelled")
    }

    private func service() throws(BoxError) -> LinkImportService {
        guard let links = dependencies.links else {
            throw BoxError(.unavailable, "Songs from links are not set up on this box.", details: ["reason": "links_not_set_up"])
        }
        return links
    }
}
