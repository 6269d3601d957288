import Hummingbird
import Logging
import MusicBoxCore

/// An error that also carries the request's `client_op_id`, so the error envelope can echo it.
struct OperationFailure: Error {
    var error: BoxError
    var clientOpID: String?
}

/// Turns every error thrown below it — ours, the router's, the body limits' — into the
/// contract's error envelope with the matching status. Unexpected errors become `internal_error`
/// with a log line; their text is never shown to clients.
struct ErrorEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let failure as OperationFailure {
            return JSONResponse.failure(failure.error, clientOpID: failure.clientOpID)
        } catch let error as BoxError {
            if error.code == .internalError || error.code == .storageError {
                context.logger.error("\(request.method) \(request.uri.path) failed: \(error)")
            }
            return JSONResponse.failure(error)
        } catch let error as any HTTPResponseError {
            // A route of this shape exists with other methods: 405 naming them, not 404.
            let allowed = error.status == .notFound ? OperationTable.methods(forPath: request.uri.path) : []
            if !allowed.isEmpty, !allowed.contains("\(request.method)") {
                let refusal = BoxError(
                    .methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path); it takes \(allowed.joined(separator: ", ")).",
                    details: ["allow": allowed.joined(separator: ", ")]
                )
                var response = JSONResponse.failure(refusal)
                response.headers[.allow] = allowed.joined(separator: ", ")
                return response
            }
            let code = ErrorCode(httpStatus: error.status)
            return JSONResponse.failure(BoxError(code, Self.message(for: code, request: request)))
        } catch {
            context.logger.error("\(request.method) \(request.uri.path) failed unexpectedly: \(error)")
            return JSONResponse.failure(BoxError(.internalError, "Something went wrong inside the box. The error was logged."))
        }
    }

    private static func message(for code: ErrorCode, request: Request) -> String {
        switch code {
        case .notFound: "No such route: \(request.method) \(request.uri.path)."
        case .payloadTooLarge: "The request body is too large."
        case .methodNotAllowed: "\(request.method) is not allowed on \(request.uri.path)."
        default: "The request could not be handled."
        }
    }
}
