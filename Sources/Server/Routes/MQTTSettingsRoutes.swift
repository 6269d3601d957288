import Hummingbird
import MusicBoxCore
import SmartHome

/// `/api/settings/mqtt`: the smart home's broker, as the parents set it (over the config file's
/// `mqtt.*`). The password is written, never read back: answers say only whether one is set.
/// A change takes effect at once: the gateway connects anew when the connection changed.
struct MQTTSettingsRoutes<Context: RequestContext> {
    let dependencies: APIDependencies
    var body: JSONBodyReader { JSONBodyReader(limit: dependencies.maxJSONBodyBytes) }

    func register(on routes: OperationRoutes<Context>) {
        routes.add(.getMQTTSettings, use: get)
        routes.add(.updateMQTTSettings, use: update)
    }

    private func gateway() throws(BoxError) -> MQTTGateway {
        guard let gateway = dependencies.smartHome else {
            throw BoxError(.unavailable, "MQTT is not set up on this box.", details: ["reason": "mqtt_not_set_up"])
        }
        return gateway
    }

    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        let gateway = try gateway()
        let view = MQTTSettingsView(gateway.settings(for: try await dependencies.state.mqttPreferences()), status: gateway.status.current())
        return try JSONResponse.success(view, message: "MQTT settings")
    }

    struct UpdateBody: Decodable {
        var enabled: Bool?
        var host: String?
        var port: Int?
        var tls: Bool?
        var username: String?
        var password: String?
        var client_id: String?
        var base_topic: String?
        var discovery: Bool?
        var discovery_prefix: String?
        var trusted: Bool?
        var client_op_id: String?
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        let gateway = try gateway()
        let input = try await body.decode(UpdateBody.self, from: request)
        let opID = try ClientOpID.validate(input.client_op_id)
        let change = MQTTPreferences(
            enabled: input.enabled, host: input.host, port: input.port, tls: input.tls, username: input.username, password: input.password,
            clientID: input.client_id, baseTopic: input.base_topic, discovery: input.discovery, discoveryPrefix: input.discovery_prefix,
            trusted: input.trusted
        )
        let committed = try await dependencies.perform(UpdateMQTTPreferences(change), clientOpID: opID, request: request)
        if !committed.replayed { gateway.reconfigure() }
        let view = MQTTSettingsView(gateway.settings(for: committed.value.preferences), status: gateway.status.current())
        return try JSONResponse.success(view, message: "MQTT settings saved", serverSeq: committed.serverSeq, clientOpID: opID)
    }
}

/// The broker settings as parents see them: everything but the password, and how the
/// connection stands now.
struct MQTTSettingsView: Encodable {
    var enabled: Bool
    var host: String
    var port: Int
    var tls: Bool
    /// The config file's CA file TLS checks against (`nil`: the system's authorities). Set in the config file only.
    var caFile: String?
    var username: String
    var passwordSet: Bool
    var clientID: String
    var baseTopic: String
    var discovery: Bool
    var discoveryPrefix: String
    var trusted: Bool
    /// `off`, `connected` or `not_connected` (then `problem` says why).
    var status: String
    var problem: String?

    init(_ settings: MQTTSettings, status report: MQTTStatusBox.Report) {
        enabled = settings.enabled
        host = settings.host
        port = settings.port
        tls = settings.tls
        caFile = settings.caFile
        username = settings.username ?? ""
        passwordSet = settings.password != nil
        clientID = settings.clientID
        baseTopic = settings.baseTopic
        discovery = settings.discovery
        discoveryPrefix = settings.discoveryPrefix
        trusted = settings.trusted
        switch report {
        case .off: status = "off"
        case .connected: status = "connected"
        case .problem(let reason):
            status = "not_connected"
            problem = reason
        }
    }

    enum CodingKeys: String, CodingKey {
        case enabled, host, port, tls, username, discovery, trusted, status, problem
        case caFile = "ca_file"
        case passwordSet = "password_set"
        case clientID = "client_id"
        case baseTopic = "base_topic"
        case discoveryPrefix = "discovery_prefix"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(enabled, forKey: .enabled)
        try container.encode(host, forKey: .host)
        try container.encode(port, forKey: .port)
        try container.encode(tls, forKey: .tls)
        try container.encode(caFile, forKey: .caFile)
        try container.encode(username, forKey: .username)
        try container.encode(passwordSet, forKey: .passwordSet)
        try container.encode(clientID, forKey: .clientID)
        try container.encode(baseTopic, forKey: .baseTopic)
        try container.encode(discovery, forKey: .discovery)
        try container.encode(discoveryPrefix, forKey: .discoveryPrefix)
        try container.encode(trusted, forKey: .trusted)
        try container.encode(status, forKey: .status)
        try container.encode(problem, forKey: .problem)
    }
}
