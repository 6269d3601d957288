import CMosquitto
import Foundation
import Logging

/// One connection to the MQTT broker through libmosquitto, on libmosquitto's own network thread
/// (`mosquitto_loop_start`): connecting, the last will, keep-alives, reconnecting with
/// exponential backoff (1 s up to 60 s) after a drop or a refusal, TLS. Nothing here runs on
/// the state manager or an event loop; callbacks come on the network thread and are handed on.
///
/// While the broker is away nothing is queued: a publish then is dropped (``publish(_:_:retain:)``
/// returns `false`), and on every (re)connection ``Handlers/connected`` is told, so the caller
/// publishes its retained state afresh. QoS 0 throughout except the retained state, QoS 1.
public final class MQTTClient: @unchecked Sendable {
    // @unchecked: `status` is guarded by `lock`; libmosquitto's calls are thread-safe in
    // threaded mode (loop_start); the rest is immutable after init.
    public enum Status: Sendable, Equatable {
        case connecting
        case connected
        /// Why the last attempt failed or the connection dropped (the broker's words).
        case failed(String)
    }

    public struct Handlers: Sendable {
        /// Connected (again): subscribe and publish retained state now.
        public var connected: @Sendable () -> Void = {}
        /// A message on a subscribed topic.
        public var message: @Sendable (String, [UInt8]) -> Void = { _, _ in }
        public init() {}
    }

    public let settings: MQTTSettings
    public let availabilityTopic: String
    private let handlers: Handlers
    private let logger: Logger
    private let lock = NSLock()
    private var currentStatus = Status.connecting
    private var handle: OpaquePointer?
    /// Signalled when the network thread has sent the DISCONNECT that ``stop(sayingOffline:)`` asked for.
    private let disconnectedCleanly = DispatchSemaphore(value: 0)

    private static let libraryReady: Void = { mosquitto_lib_init() }()

    public init(settings: MQTTSettings, availabilityTopic: String, handlers: Handlers, logger: Logger) {
        self.settings = settings
        self.availabilityTopic = availabilityTopic
        self.handlers = handlers
        self.logger = logger
    }

    public var status: Status { lock.withLock { currentStatus } }

    /// Starts connecting (in the background; a broker not there yet is retried).
    public func start() throws(MQTTClientError) {
        Self.libraryReady
        guard let mosq = mosquitto_new(settings.clientID, true, Unmanaged.passUnretained(self).toOpaque()) else {
            throw MQTTClientError("libmosquitto could not make a client")
        }
        handle = mosq
        mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, Int32(MQTT_PROTOCOL_V311))
        let offline = Array("offline".utf8)
        mosquitto_will_set(mosq, availabilityTopic, Int32(offline.count), offline, 1, true)
        if let username = settings.username, !username.isEmpty {
            mosquitto_username_pw_set(mosq, username, settings.password)
        }
        if settings.tls {
            // The config file's CA, else the system's authorities (Debian's ca-certificates).
            let caFile = settings.caFile.flatMap { $0.isEmpty ? nil : $0 }
            let status = mosquitto_tls_set(mosq, caFile, caFile == nil ? Self.systemCertificates : nil, nil, nil, nil)
            guard status == MOSQ_ERR_SUCCESS.rawValue else {
                throw MQTTClientError("TLS: \(Self.text(status)) (\(caFile ?? Self.systemCertificates))")
            }
            // The broker's host name is checked against its certificate (insecure stays off).
            mosquitto_tls_insecure_set(mosq, false)
        }
        mosquitto_reconnect_delay_set(mosq, 1, 60, true)
        mosquitto_connect_callback_set(mosq, mqttConnected)
        mosquitto_disconnect_callback_set(mosq, mqttDisconnected)
        mosquitto_message_callback_set(mosq, mqttMessage)
        mosquitto_log_callback_set(mosq, mqttLog)
        let started = mosquitto_loop_start(mosq)
        guard started == MOSQ_ERR_SUCCESS.rawValue else { throw MQTTClientError("the network thread did not start: \(Self.text(started))") }
        let status = mosquitto_connect_async(mosq, settings.host, Int32(settings.port), Int32(settings.keepAliveS))
        if status != MOSQ_ERR_SUCCESS.rawValue {
            // Not reachable now (no route, refused): the network thread tries again, with backoff.
            note(.failed("cannot reach \(settings.host):\(settings.port): \(Self.text(status))"))
        }
    }

    /// The system's certificate authorities, one file each (OpenSSL's hashed directory).
    static let systemCertificates = "/etc/ssl/certs"

    /// ``start()`` off the caller's thread: connecting looks the broker's name up and may
    /// connect at once, both blocking, which a Swift task must not do on its pool's threads.
    public func started() async throws(MQTTClientError) {
        let result: Result<Void, MQTTClientError> = await withCheckedContinuation { done in
            Self.blockingWork.async { done.resume(returning: Result { () throws(MQTTClientError) in try self.start() }) }
        }
        try result.get()
    }

    /// ``stop(sayingOffline:)`` off the caller's thread (it waits for the network thread to end).
    public func stopped(sayingOffline: Bool = true) async {
        await withCheckedContinuation { done in
            Self.blockingWork.async {
                self.stop(sayingOffline: sayingOffline)
                done.resume()
            }
        }
    }

    private static let blockingWork = DispatchQueue(label: "musicboxd.mqtt.connect")

    /// Says `offline` (retained; unless the caller cleared that topic), disconnects cleanly and
    /// stops the network thread. Messages published before are sent before the disconnection.
    public func stop(sayingOffline: Bool = true) {
        guard let mosq = handle else { return }
        let wasConnected = status == .connected
        if sayingOffline, wasConnected { _ = publish(availabilityTopic, Array("offline".utf8), retain: true) }
        // The network thread sends what was published, then DISCONNECT; stopping it before that
        // went out would close the socket uncleanly, and the broker would say the last will.
        if mosquitto_disconnect(mosq) == MOSQ_ERR_SUCCESS.rawValue, wasConnected { _ = disconnectedCleanly.wait(timeout: .now() + 2) }
        mosquitto_loop_stop(mosq, false)
        mosquitto_destroy(mosq)
        handle = nil
    }

    /// Hands a message to the network thread; `false` when not connected (it is dropped).
    @discardableResult
    public func publish(_ topic: String, _ payload: [UInt8], retain: Bool = false) -> Bool {
        guard let mosq = handle, status == .connected else { return false }
        let status = payload.withUnsafeBytes { mosquitto_publish(mosq, nil, topic, Int32($0.count), $0.baseAddress, retain ? 1 : 0, retain) }
        return status == MOSQ_ERR_SUCCESS.rawValue
    }

    @discardableResult
    public func publish(_ topic: String, _ text: String, retain: Bool = false) -> Bool {
        publish(topic, Array(text.utf8), retain: retain)
    }

    public func subscribe(_ pattern: String) {
        guard let mosq = handle else { return }
        mosquitto_subscribe(mosq, nil, pattern, 0)
    }

    // MARK: Callbacks (on libmosquitto's thread)

    fileprivate func connected(_ code: Int32) {
        guard code == 0 else {
            let reason = String(cString: mosquitto_connack_string(code))
            logger.warning("MQTT broker \(settings.host):\(settings.port) refused the box: \(reason)")
            note(.failed("the broker refused the connection: \(reason)"))
            return
        }
        logger.info("MQTT connected to \(settings.host):\(settings.port) as \(settings.clientID)")
        note(.connected)
        handlers.connected()
    }

    fileprivate func disconnected(_ code: Int32) {
        guard code != 0 else {  // asked for by stop()
            disconnectedCleanly.signal()
            return
        }
        if case .failed = status { return }  // a refusal, already said
        logger.notice("MQTT connection to \(settings.host):\(settings.port) lost (\(Self.text(code))); reconnecting")
        note(.failed("the connection was lost: \(Self.text(code))"))
    }

    fileprivate func received(_ topic: String, _ payload: [UInt8]) { handlers.message(topic, payload) }

    /// libmosquitto's own errors: a failure before any connection (a TLS handshake the broker's
    /// certificate fails, say) reaches no other callback, and would leave "connecting" forever.
    fileprivate func logged(_ level: Int32, _ text: String) {
        guard level & MOSQ_LOG_ERR != 0 else { return }
        logger.debug("libmosquitto: \(text)")
        if status != .connected { note(.failed(Self.reason(text))) }
    }

    /// What a parent can act on, from libmosquitto's error text.
    static func reason(_ text: String) -> String {
        text.contains("certificate verify failed") ? "the broker's certificate is not trusted (\(text))" : text
    }

    private func note(_ status: Status) { lock.withLock { currentStatus = status } }

    static func text(_ status: Int32) -> String { String(cString: mosquitto_strerror(status)) }
}

public struct MQTTClientError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

private func client(_ opaque: UnsafeMutableRawPointer?) -> MQTTClient? {
    opaque.map { Unmanaged<MQTTClient>.fromOpaque($0).takeUnretainedValue() }
}

private func mqttConnected(_ mosq: OpaquePointer?, _ opaque: UnsafeMutableRawPointer?, _ code: Int32) {
    client(opaque)?.connected(code)
}

private func mqttDisconnected(_ mosq: OpaquePointer?, _ opaque: UnsafeMutableRawPointer?, _ code: Int32) {
    client(opaque)?.disconnected(code)
}

private func mqttLog(_ mosq: OpaquePointer?, _ opaque: UnsafeMutableRawPointer?, _ level: Int32, _ text: UnsafePointer<CChar>?) {
    guard let text else { return }
    client(opaque)?.logged(level, String(cString: text))
}

private func mqttMessage(_ mosq: OpaquePointer?, _ opaque: UnsafeMutableRawPointer?, _ message: UnsafePointer<mosquitto_message>?) {
    guard let message, let topic = message.pointee.topic else { return }
    let length = Int(message.pointee.payloadlen)
    // Commands are small: a larger payload is no command of ours.
    guard length <= 4096 else { return }
    let payload = length > 0 && message.pointee.payload != nil
        ? Array(UnsafeRawBufferPointer(start: message.pointee.payload, count: length)) : []
    client(opaque)?.received(String(cString: topic), payload)
}
