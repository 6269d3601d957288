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
