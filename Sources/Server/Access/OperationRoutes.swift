import Hummingbird

/// Registers HTTP handlers by operation: each lands in the route group of its access level, so
/// the check is part of the route itself. Registering anything else is not possible through it,
/// and the router's list of routes is compared with ``OperationTable`` by the tests.
struct OperationRoutes<Context: RequestContext> {
    private let groups: [APIOperation.Access: RouterGroup<Context>]
    /// Whether the simulated hardware's `/api/dev/*` routes are served.
    let developmentRoutes: Bool

    init(router: Router<Context>, accessGuard: AccessGuard, developmentRoutes: Bool) {
        var groups: [APIOperation.Access: RouterGroup<Context>] = [:]
        for access in APIOperation.Access.allCases {
            groups[access] = router.group().add(middleware: RequireAccess<Context>(access: access, accessGuard: accessGuard))
        }
        self.groups = groups
        self.developmentRoutes = developmentRoutes
    }

    func add<Output: ResponseGenerator>(
        _ operation: APIOperation, use handler: @escaping @Sendable (Request, Context) async throws -> Output
    ) {
        guard let route = operation.route else { preconditionFailure("\(operation) has no HTTP route") }
        guard !operation.isDevelopment || developmentRoutes else { return }
        groups[operation.access]!.on(RouterPath(route.path), method: route.method, use: handler)
    }
}
