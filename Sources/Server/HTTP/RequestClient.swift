import Hummingbird
import Parental

/// Who is asking, for what the box keeps per client (the `client_op_id` journal): the parent
/// login of the request's token, else the address it comes from. Set by
/// ``RequestClientMiddleware`` for the rest of the request's handling.
enum RequestClient {
    @TaskLocal static var current: String?
}

struct RequestClientMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    let parental: ParentalAccess

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let client = parental.loginID(of: ParentToken.from(request)).map { "token:\($0)" }
            ?? "address:\(context.remoteAddress?.ipAddress ?? "unknown")"
        return try await RequestClient.$current.withValue(client) { try await next(request, context) }
    }
}
