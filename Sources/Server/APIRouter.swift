import Hummingbird
import MusicBoxCore

/// Builds the HTTP router of the box: the web UI at `/`, every operation of ``OperationTable``
/// under `/api` in the route group of its access level, behind the error envelope, the canonical
/// path rule and the same-site rule.
public enum APIRouter {
    /// Engine.IO's endpoint, whose canonical form ends in a slash.
    public static let enginePath = "/socket.io/"

    public static func build(_ dependencies: APIDependencies) -> Router<BoxRequestContext> {
        let router = Router(context: BoxRequestContext.self)
        router.add(middleware: ErrorEnvelopeMiddleware())
        router.add(middleware: CanonicalPathMiddleware(trailingSlashAllowed: [enginePath]))
        router.add(middleware: SameSiteMiddleware(hosts: dependencies.hosts, enginePath: enginePath))
        router.add(middleware: RequestClientMiddleware(parental: dependencies.parental))
        router.add(middleware: WebUIMiddleware(root: dependencies.webRoot, reserved: ["/api/", "/socket.io"], logger: dependencies.logger))
        let routes = OperationRoutes(
            router: router, accessGuard: AccessGuard(parental: dependencies.parental, state: dependencies.state),
            developmentRoutes: dependencies.developmentRoutes
        )
        SystemRoutes(dependencies: dependencies).register(on: routes)
        AuthRoutes(dependencies: dependencies).register(on: routes)
        PlaylistRoutes(dependencies: dependencies).register(on: routes)
        TrackRoutes(dependencies: dependencies).register(on: routes)
        LinkRoutes(dependencies: dependencies).register(on: routes)
        PlayerRoutes(dependencies: dependencies).register(on: routes)
        SharedCommandRoutes(dependencies: dependencies).register(on: routes)
        SettingsRoutes(dependencies: dependencies).register(on: routes)
        MQTTSettingsRoutes(dependencies: dependencies).register(on: routes)
        CommandTagRoutes(dependencies: dependencies).register(on: routes)
        ListeningRoutes(dependencies: dependencies).register(on: routes)
        NFCRoutes(dependencies: dependencies).register(on: routes)
        ControlRoutes(dependencies: dependencies).register(on: routes)
        UploadRoutes(dependencies: dependencies).register(on: routes)
        MediaRoutes(dependencies: dependencies).register(on: routes)
        return router
    }
}
