import Hummingbird
import MusicBoxCore

/// Builds the HTTP router of the box: the web UI at `/`, every route under `/api`, behind the error envelope.
public enum APIRouter {
    public static func build(_ dependencies: APIDependencies) -> Router<BoxRequestContext> {
        let router = Router(context: BoxRequestContext.self)
        router.add(middleware: ErrorEnvelopeMiddleware())
        router.add(middleware: AccessMiddleware(parental: dependencies.parental, state: dependencies.state))
        router.add(middleware: WebUIMiddleware(root: dependencies.webRoot, reserved: ["/api/", "/socket.io"], logger: dependencies.logger))
        SystemRoutes(dependencies: dependencies).register(on: router)
        AuthRoutes(dependencies: dependencies).register(on: router)
        PlaylistRoutes(dependencies: dependencies).register(on: router)
        TrackRoutes(dependencies: dependencies).register(on: router)
        PlayerRoutes(dependencies: dependencies).register(on: router)
        SettingsRoutes(dependencies: dependencies).register(on: router)
        NFCRoutes(dependencies: dependencies).register(on: router)
        ControlRoutes(dependencies: dependencies).register(on: router)
        UploadRoutes(dependencies: dependencies).register(on: router)
        MediaRoutes(dependencies: dependencies).register(on: router)
        return router
    }
}
