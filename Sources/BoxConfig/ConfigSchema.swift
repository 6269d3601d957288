import Foundation
import MusicBoxCore

/// A value as read from the file or the environment, before it is checked.
public enum ConfigValue: Sendable, Equatable, CustomStringConvertible {
    case integer(Int)
    case string(String)
    case boolean(Bool)

    public var description: String {
        switch self {
        case .integer(let value): String(value)
        case .string(let value): "\"\(value)\""
        case .boolean(let value): String(value)
        }
    }
}

/// What a setting accepts. Knows how to check a value and how to read one from an environment variable.
public enum ConfigKind: Sendable {
    case integer(ClosedRange<Int>)
    case text(allowEmpty: Bool)
    case choice([String])

    var expectation: String {
        switch self {
        case .integer(let range): "an integer from \(range.lowerBound) to \(range.upperBound)"
        case .text(let allowEmpty): allowEmpty ? "a string" : "a non-empty string"
        case .choice(let options): "one of " + options.map { "\"\($0)\"" }.joined(separator: ", ")
        }
    }

    /// Checks a value; returns it (normalised) or a reason.
    func check(_ value: ConfigValue) -> Result<ConfigValue, ConfigCheckFailure> {
        switch (self, value) {
        case (.integer(let range), .integer(let number)) where range.contains(number):
            return .success(value)
        case (.text(let allowEmpty), .string(let text)) where allowEmpty || !text.isEmpty:
            return .success(value)
        case (.choice(let options), .string(let text)) where options.contains(text.lowercased()):
            return .success(.string(text.lowercased()))
        default:
            return .failure(ConfigCheckFailure(expected: expectation, got: value.description))
        }
    }

    /// Environment variables are text; integers are parsed from it.
    func parseEnvironment(_ text: String) -> ConfigValue {
        if case .integer = self, let number = Int(text.trimmingCharacters(in: .whitespaces)) { return .integer(number) }
        return .string(text)
    }
}

struct ConfigCheckFailure: Error {
    var expected: String
    var got: String
}

/// One setting: its dotted key, what it accepts, what it means, and where it lands in ``DaemonConfig``.
public struct ConfigSetting: Sendable {
    public let key: String
    public let kind: ConfigKind
    public let documentation: String
    let read: @Sendable (DaemonConfig) -> ConfigValue
    let write: @Sendable (inout DaemonConfig, ConfigValue) -> Void

    /// `MUSICBOXD_` + the key in capitals with dots as underscores, e.g. `MUSICBOXD_SERVER_PORT`.
    public var environmentName: String {
        "MUSICBOXD_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    public var section: String { String(key.split(separator: ".").first ?? "") }
    public var name: String { String(key.split(separator: ".").dropFirst().joined(separator: ".")) }
}

/// The list of every setting. Parsing, environment overrides, validation and the sample file
/// all come from this one table, so they cannot disagree.
public enum ConfigSchema {
    /// Environment variable naming the config file; not a setting itself.
    public static let configPathVariable = "MUSICBOXD_CONFIG"

    public static let sectionDocumentation: [String: String] = [
        "server": "HTTP API, web UI and Socket.IO.",
        "storage": "Where the box keeps its database and audio files.",
        "hardware": "Which devices the daemon drives.",
        "audio": "Sound output (ALSA).",
        "streams": "Web radio: live streams over http and https, played through FFmpeg's own network protocols.",
        "nfc": "The NFC tag reader (libnfc). What tags do is a parents' setting (/api/settings).",
        "controls": "Buttons and a rotary encoder on GPIO (libgpiod). hardware/ has pin maps of common builds.",
        "power": "Switching the whole box off from a button or the web UI.",
        "uploads": "Songs parents upload from a browser or import from a folder.",
        "links": "Songs parents add from a link (a page or a media address), fetched by yt-dlp in a child process; podcasts.",
        "mqtt": "The smart home: state to an MQTT broker and commands from it, Home Assistant discovery (README \"Home Assistant\"). Parents can set all of it but ca_file in the web UI (Settings, Smart home); a value set there wins over this file. This file may hold the broker password: keep it readable by root and musicboxd only.",
        "realtime": "Live updates to phones and browsers (Socket.IO).",
        "log": "Logging to standard error (the journal under systemd).",
    ]

    public static let settings: [ConfigSetting] = [
        ConfigSetting(
            key: "server.host", kind: .text(allowEmpty: false),
            documentation: "Address to listen on. \"0.0.0.0\" serves every interface, so phones on the home Wi-Fi reach the box; \"127.0.0.1\" serves this machine only.",
            read: { .string($0.server.host) }, write: { $0.server.host = $1.text }
        ),
        ConfigSetting(
            key: "server.port", kind: .integer(0...65535),
            documentation: "TCP port of the web UI and API. 0 picks a free port and logs it.",
            read: { .integer($0.server.port) }, write: { $0.server.port = $1.integer }
        ),
        ConfigSetting(
            key: "server.max_json_body_bytes", kind: .integer(1024...16 * 1024 * 1024),
            documentation: "Largest JSON request body accepted, in bytes; larger ones get 413 payload_too_large. Audio uploads are chunked and have their own limits.",
            read: { .integer($0.server.maxJSONBodyBytes) }, write: { $0.server.maxJSONBodyBytes = $1.integer }
        ),
        ConfigSetting(
            key: "server.web_root", kind: .text(allowEmpty: true),
            documentation: "Folder of the web UI's files, to serve an edited copy. Empty: the files that came with the binary (beside it, or in share/musicboxd/web of its prefix).",
            read: { .string($0.server.webRoot) }, write: { $0.server.webRoot = $1.text }
        ),
        ConfigSetting(
            key: "server.allowed_hosts", kind: .text(allowEmpty: true),
            documentation: "More names the box answers to, separated by commas or spaces (e.g. \"musicbox.home.arpa\"). It always answers to localhost, its host name, <host name>.local and its own IP addresses; a request naming any other host is refused, so a web page cannot reach the box through a rebound DNS name.",
            read: { .string($0.server.allowedHosts.joined(separator: ",")) },
            write: { $0.server.allowedHosts = $1.text.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init) }
        ),
        ConfigSetting(
            key: "server.dev_routes", kind: .choice(["off", "on"]),
            documentation: "\"on\" serves /api/dev/* (place a tag, press a button on the simulated hardware) for development and tests. Only with hardware mode \"sim\"; ignored otherwise. Parents only once a PIN is set.",
            read: { .string($0.server.devRoutes ? "on" : "off") }, write: { $0.server.devRoutes = $1.text == "on" }
        ),
        ConfigSetting(
            key: "server.request_head_timeout_ms", kind: .integer(100...600_000),
            documentation: "Time a client has from the first byte of a request to the end of its headers, in ms; then it gets 408 and the connection is closed (a client that sends its headers one byte at a time cannot hold the box).",
            read: { .integer($0.server.requestHeadTimeoutMs) }, write: { $0.server.requestHeadTimeoutMs = $1.integer }
        ),
        ConfigSetting(
            key: "server.request_body_timeout_ms", kind: .integer(100...3_600_000),
            documentation: "Longest pause between two parts of a request body (an upload chunk, a JSON body), in ms; then 408 and close.",
            read: { .integer($0.server.requestBodyTimeoutMs) }, write: { $0.server.requestBodyTimeoutMs = $1.integer }
        ),
        ConfigSetting(
            key: "server.keep_alive_timeout_ms", kind: .integer(100...3_600_000),
            documentation: "How long a kept-alive connection may wait for its next request, in ms, before the box closes it.",
            read: { .integer($0.server.keepAliveTimeoutMs) }, write: { $0.server.keepAliveTimeoutMs = $1.integer }
        ),
        ConfigSetting(
            key: "server.max_connections", kind: .integer(16...65_536),
            documentation: "Connections open at once (web pages, phones, WebSockets). Past it, a new connection replaces the kept-alive one that has waited longest, or is answered 503 too_many_connections. Held below the open-file limit of the process (the unit sets 8192).",
            read: { .integer($0.server.maxConnections) }, write: { $0.server.maxConnections = $1.integer }
        ),
        ConfigSetting(
            key: "storage.data_dir", kind: .text(allowEmpty: false),
            documentation: "Folder for the database (musicbox.sqlite) and the media folder. A relative path is taken from the working directory. Under systemd use /var/lib/musicboxd.",
            read: { .string($0.storage.dataDir) }, write: { $0.storage.dataDir = $1.text }
        ),
        ConfigSetting(
            key: "hardware.mode", kind: .choice(HardwareMode.allCases.map(\.rawValue)),
            documentation: "\"auto\" drives each device that is present and simulates the rest; \"real\" drives real devices only (a missing one shows as unavailable in health); \"sim\" simulates everything.",
            read: { .string($0.hardware.mode.rawValue) },
            write: { $0.hardware.mode = HardwareMode(rawValue: $1.text) ?? .auto }
        ),
        ConfigSetting(
            key: "audio.device", kind: .text(allowEmpty: false),
            documentation: "ALSA device to play on: \"default\", \"plughw:1,0\" for a USB DAC, \"dmix\" to share the card (aplay -L lists them). In hardware mode \"auto\" a device that does not open at start means simulated audio.",
            read: { .string($0.audio.device) }, write: { $0.audio.device = $1.text }
        ),
        ConfigSetting(
            key: "audio.latency_ms", kind: .integer(20...2000),
            documentation: "ALSA buffer in milliseconds: larger survives a busy CPU without dropouts, smaller reacts faster to pause and skip.",
            read: { .integer($0.audio.latencyMs) }, write: { $0.audio.latencyMs = $1.integer }
        ),
        ConfigSetting(
            key: "audio.period_ms", kind: .integer(0...500),
            documentation: "How often ALSA asks for more audio, in milliseconds; 0 lets the box use a quarter of the buffer. Raise it if a slow card underruns (health shows underruns).",
            read: { .integer($0.audio.periodMs) }, write: { $0.audio.periodMs = $1.integer }
        ),
        ConfigSetting(
            key: "audio.mixer_control", kind: .text(allowEmpty: true),
            documentation: "A hardware volume control to turn instead of scaling samples, e.g. \"PCM\" on the Pi's headphone jack or \"Speaker\" on a USB adapter (amixer scontrols lists them). Empty: software volume.",
            read: { .string($0.audio.mixerControl) }, write: { $0.audio.mixerControl = $1.text }
        ),
        ConfigSetting(
            key: "audio.mixer_device", kind: .text(allowEmpty: false),
            documentation: "The ALSA mixer holding that control: \"default\", or \"hw:1\" for the second card.",
            read: { .string($0.audio.mixerDevice) }, write: { $0.audio.mixerDevice = $1.text }
        ),
        ConfigSetting(
            key: "audio.feedback_sounds", kind: .choice(["on", "off"]),
            documentation: "\"on\": short sounds when the box is ready, a tag is linked or unknown, or something fails (parents turn them off or quieter in the settings); \"off\": never.",
            read: { .string($0.audio.feedbackSounds) }, write: { $0.audio.feedbackSounds = $1.text }
        ),
        ConfigSetting(
            key: "audio.resume_save_interval_ms", kind: .integer(1000...60_000),
            documentation: "While playing, where the listener is is saved this often, in ms: a power cut loses at most this much listening (pauses, stops and switches are saved at once).",
            read: { .integer($0.audio.resumeSaveIntervalMs) }, write: { $0.audio.resumeSaveIntervalMs = $1.integer }
        ),
        ConfigSetting(
            key: "streams.ca_file", kind: .text(allowEmpty: true),
            documentation: "Certificates (PEM) that https streams are checked against; empty: the system's (/etc/ssl/certs). A stream whose certificate does not check out is not played.",
            read: { .string($0.streams.caFile) }, write: { $0.streams.caFile = $1.text }
        ),
        ConfigSetting(
            key: "streams.open_timeout_ms", kind: .integer(1000...60_000),
            documentation: "How long a stream may take to start answering with audio, in ms, before the box says it cannot be reached and plays the next item.",
            read: { .integer($0.streams.openTimeoutMs) }, write: { $0.streams.openTimeoutMs = $1.integer }
        ),
        ConfigSetting(
            key: "streams.read_timeout_ms", kind: .integer(1000...60_000),
            documentation: "A stream that sends nothing for this long, in ms, counts as dropped and is reconnected.",
            read: { .integer($0.streams.readTimeoutMs) }, write: { $0.streams.readTimeoutMs = $1.integer }
        ),
        ConfigSetting(
            key: "streams.give_up_after_s", kind: .integer(5...3600),
            documentation: "A stream that dropped is reconnected (after 0.5 s, then 1, 2, 4, up to 8 s apart) for this many seconds; then the box says so and plays the next item.",
            read: { .integer($0.streams.giveUpAfterS) }, write: { $0.streams.giveUpAfterS = $1.integer }
        ),
        ConfigSetting(
            key: "nfc.device", kind: .text(allowEmpty: false),
            documentation: "libnfc connection string of the NFC reader: \"pn532_uart:/dev/ttyS0\", \"pn532_i2c:/dev/i2c-1\", \"pn532_spi:/dev/spidev0.0\", \"pn53x_usb\", \"acr122_usb\", or \"auto\" for the first reader libnfc finds (USB ones; serial readers must be named). In hardware mode \"auto\" a reader that does not open at start means a simulated one.",
            read: { .string($0.nfc.device) }, write: { $0.nfc.device = $1.text }
        ),
        ConfigSetting(
            key: "nfc.removal_grace_ms", kind: .integer(0...10_000),
            documentation: "How long a tag must be gone before it counts as removed, in milliseconds. Shorter gaps (a wobbly tag, a hand over the reader) change nothing.",
            read: { .integer($0.nfc.removalGraceMs) }, write: { $0.nfc.removalGraceMs = $1.integer }
        ),
        ConfigSetting(
            key: "controls.chip", kind: .text(allowEmpty: false),
            documentation: "The GPIO chip of the buttons, by name, label or number (gpiodetect lists them): gpiochip0 on a Pi 1-4, \"pinctrl-rp1\" on a Pi 5.",
            read: { .string($0.controls.chip) }, write: { $0.controls.chip = $1.text }
        ),
        ConfigSetting(
            key: "controls.bias", kind: .choice(["pull-up", "pull-down", "disabled", "as-is"]),
            documentation: "Resistor on each button line: pull-up for buttons wired to ground (the usual).",
            read: { .string($0.controls.bias) }, write: { $0.controls.bias = $1.text }
        ),
        ConfigSetting(
            key: "controls.active_level", kind: .choice(["low", "high"]),
            documentation: "The level of a pressed button: low for buttons to ground with pull-ups.",
            read: { .string($0.controls.activeLevel) }, write: { $0.controls.activeLevel = $1.text }
        ),
        ConfigSetting(
            key: "controls.play_pause_pin", kind: .integer(-1...511),
            documentation: "BCM number of the play/pause button; -1 when not fitted. See hardware/README.md for wiring.",
            read: { .integer($0.controls.playPausePin) }, write: { $0.controls.playPausePin = $1.integer }
        ),
        ConfigSetting(
            key: "controls.next_pin", kind: .integer(-1...511),
            documentation: "BCM number of the next button; -1 when not fitted.",
            read: { .integer($0.controls.nextPin) }, write: { $0.controls.nextPin = $1.integer }
        ),
        ConfigSetting(
            key: "controls.previous_pin", kind: .integer(-1...511),
            documentation: "BCM number of the previous button (more than 3 s into a song: back to its start); -1 when not fitted.",
            read: { .integer($0.controls.previousPin) }, write: { $0.controls.previousPin = $1.integer }
        ),
        ConfigSetting(
            key: "controls.volume_up_pin", kind: .integer(-1...511),
            documentation: "BCM number of the volume up button (hold to repeat); -1 when not fitted.",
            read: { .integer($0.controls.volumeUpPin) }, write: { $0.controls.volumeUpPin = $1.integer }
        ),
        ConfigSetting(
            key: "controls.volume_down_pin", kind: .integer(-1...511),
            documentation: "BCM number of the volume down button (hold to repeat); -1 when not fitted.",
            read: { .integer($0.controls.volumeDownPin) }, write: { $0.controls.volumeDownPin = $1.integer }
        ),
        ConfigSetting(
            key: "controls.stop_pin", kind: .integer(-1...511),
            documentation: "BCM number of a stop button; -1 when not fitted.",
            read: { .integer($0.controls.stopPin) }, write: { $0.controls.stopPin = $1.integer }
        ),
        ConfigSetting(
            key: "controls.shutdown_pin", kind: .integer(-1...511),
            documentation: "BCM number of a button that switches the box off when held for shutdown_hold_ms (a short press does nothing); -1 when not fitted. Needs musicboxd-shutdown.path (see README).",
            read: { .integer($0.controls.shutdownPin) }, write: { $0.controls.shutdownPin = $1.integer }
        ),
        ConfigSetting(
            key: "controls.shutdown_hold_ms", kind: .integer(1000...30_000),
            documentation: "How long a button must be held to switch the box off, in milliseconds: longer than a child leans on one by accident.",
            read: { .integer($0.controls.shutdownHoldMs) }, write: { $0.controls.shutdownHoldMs = $1.integer }
        ),
        ConfigSetting(
            key: "controls.encoder_a_pin", kind: .integer(-1...511),
            documentation: "BCM number of the rotary encoder's A line (turning it changes the volume); -1 when not fitted.",
            read: { .integer($0.controls.encoderAPin) }, write: { $0.controls.encoderAPin = $1.integer }
        ),
        ConfigSetting(
            key: "controls.encoder_b_pin", kind: .integer(-1...511),
            documentation: "BCM number of the rotary encoder's B line; -1 when not fitted.",
            read: { .integer($0.controls.encoderBPin) }, write: { $0.controls.encoderBPin = $1.integer }
        ),
        ConfigSetting(
            key: "controls.encoder_push_pin", kind: .integer(-1...511),
            documentation: "BCM number of the encoder's push switch (play/pause); -1 when not fitted.",
            read: { .integer($0.controls.encoderPushPin) }, write: { $0.controls.encoderPushPin = $1.integer }
        ),
        ConfigSetting(
            key: "controls.encoder_type", kind: .choice(["full-step", "half-step"]),
            documentation: "full-step: one detent per full quadrature cycle (most encoders); half-step: two detents per cycle.",
            read: { .string($0.controls.encoderType) }, write: { $0.controls.encoderType = $1.text }
        ),
        ConfigSetting(
            key: "controls.long_press_play_pause", kind: .choice(["play_pause", "next", "previous", "volume_up", "volume_down", "stop", "shutdown", "none"]),
            documentation: "What holding play/pause for long_press_ms does (\"shutdown\": switch the box off, after shutdown_hold_ms).",
            read: { .string($0.controls.longPressPlayPause) }, write: { $0.controls.longPressPlayPause = $1.text }
        ),
        ConfigSetting(
            key: "controls.long_press_next", kind: .choice(["play_pause", "next", "previous", "volume_up", "volume_down", "stop", "shutdown", "none"]),
            documentation: "What holding next does.",
            read: { .string($0.controls.longPressNext) }, write: { $0.controls.longPressNext = $1.text }
        ),
        ConfigSetting(
            key: "controls.long_press_previous", kind: .choice(["play_pause", "next", "previous", "volume_up", "volume_down", "stop", "shutdown", "none"]),
            documentation: "What holding previous does.",
            read: { .string($0.controls.longPressPrevious) }, write: { $0.controls.longPressPrevious = $1.text }
        ),
        ConfigSetting(
            key: "controls.debounce_ms", kind: .integer(1...500),
            documentation: "Contact bounce shorter than this is ignored, in milliseconds.",
            read: { .integer($0.controls.debounceMs) }, write: { $0.controls.debounceMs = $1.integer }
        ),
        ConfigSetting(
            key: "controls.long_press_ms", kind: .integer(200...10_000),
            documentation: "How long a hold is a long press (and when volume buttons start repeating), in milliseconds.",
            read: { .integer($0.controls.longPressMs) }, write: { $0.controls.longPressMs = $1.integer }
        ),
        ConfigSetting(
            key: "controls.repeat_ms", kind: .integer(50...2000),
            documentation: "Interval of the volume buttons' repeat while held, in milliseconds.",
            read: { .integer($0.controls.repeatMs) }, write: { $0.controls.repeatMs = $1.integer }
        ),
        ConfigSetting(
            key: "controls.volume_step", kind: .integer(1...50),
            documentation: "Volume change per press, repeat or encoder detent (0-100 scale, capped by max_volume).",
            read: { .integer($0.controls.volumeStep) }, write: { $0.controls.volumeStep = $1.integer }
        ),
        ConfigSetting(
            key: "power.request_file", kind: .text(allowEmpty: true),
            documentation: "The file musicboxd creates to have the system switched off; systemd's musicboxd-shutdown.path watches it. Empty: $RUNTIME_DIRECTORY/poweroff when run by systemd, else switching off from the box is not set up.",
            read: { .string($0.power.requestFile) }, write: { $0.power.requestFile = $1.text }
        ),
        ConfigSetting(
            key: "mqtt.enabled", kind: .choice(["on", "off"]),
            documentation: "Publish the box's state to an MQTT broker and take commands from it (README \"Home Assistant\").",
            read: { .string($0.mqtt.enabled) }, write: { $0.mqtt.enabled = $1.text }
        ),
        ConfigSetting(
            key: "mqtt.host", kind: .text(allowEmpty: false),
            documentation: "The broker's host name or address.",
            read: { .string($0.mqtt.host) }, write: { $0.mqtt.host = $1.text }
        ),
        ConfigSetting(
            key: "mqtt.port", kind: .integer(1...65535),
            documentation: "The broker's port (1883; 8883 is usual with TLS).",
            read: { .integer($0.mqtt.port) }, write: { $0.mqtt.port = $1.integer }
        ),
        ConfigSetting(
            key: "mqtt.ca_file", kind: .text(allowEmpty: true),
            documentation: "TLS: the CA certificate (PEM) the broker's certificate and host name are checked against; empty: no TLS.",
            read: { .string($0.mqtt.caFile) }, write: { $0.mqtt.caFile = $1.text }
        ),
        ConfigSetting(
            key: "mqtt.username", kind: .text(allowEmpty: true),
            documentation: "The broker user; empty: none.",
            read: { .string($0.mqtt.username) }, write: { $0.mqtt.username = $1.text }
        ),
        ConfigSetting(
            key: "mqtt.password", kind: .text(allowEmpty: true),
            documentation: "The broker user's password (never logged; keep this file readable by root and musicboxd only).",
            read: { .string($0.mqtt.password) }, write: { $0.mqtt.password = $1.text }
        ),
        ConfigSetting(
            key: "mqtt.client_id", kind: .text(allowEmpty: true),
            documentation: "The MQTT client id; empty: musicboxd-<hostname>.",
            read: { .string($0.mqtt.clientID) }, write: { $0.mqtt.clientID = $1.text }
        ),
        ConfigSetting(
            key: "mqtt.base_topic", kind: .text(allowEmpty: true),
            documentation: "Where the box publishes and listens; empty: musicbox/<hostname>.",
            read: { .string($0.mqtt.baseTopic) }, write: { $0.mqtt.baseTopic = $1.text }
        ),
        ConfigSetting(
            key: "mqtt.discovery", kind: .choice(["on", "off"]),
            documentation: "on: the box appears in Home Assistant by MQTT discovery. off: its discovery topics are cleared (turn this off, then MQTT, to remove the box from Home Assistant).",
            read: { .string($0.mqtt.discovery) }, write: { $0.mqtt.discovery = $1.text }
        ),
        ConfigSetting(
            key: "mqtt.discovery_prefix", kind: .text(allowEmpty: false),
            documentation: "Home Assistant's MQTT discovery prefix.",
            read: { .string($0.mqtt.discoveryPrefix) }, write: { $0.mqtt.discoveryPrefix = $1.text }
        ),
        ConfigSetting(
            key: "mqtt.trusted", kind: .choice(["on", "off"]),
            documentation: "on: the broker's users are the parents' own, so commands need no parent token even when playback_requires_token is on. off: commands are refused as an HTTP client without a token would be.",
            read: { .string($0.mqtt.trusted) }, write: { $0.mqtt.trusted = $1.text }
        ),
        ConfigSetting(
            key: "links.ytdlp", kind: .text(allowEmpty: false),
            documentation: "yt-dlp, by path or by a name on PATH (Debian: apt install yt-dlp; or pip). Without it, songs from links are refused and health says so. Files larger than uploads.max_file_mb are not fetched.",
            read: { .string($0.links.ytdlp) }, write: { $0.links.ytdlp = $1.text }
        ),
        ConfigSetting(
            key: "links.concurrent_tasks", kind: .integer(1...8),
            documentation: "Links fetched at once; another one asked for meanwhile is refused (429) until one finishes.",
            read: { .integer($0.links.concurrentTasks) }, write: { $0.links.concurrentTasks = $1.integer }
        ),
        ConfigSetting(
            key: "links.max_duration_minutes", kind: .integer(1...1440),
            documentation: "Longest song accepted from a link, in minutes (checked on the downloaded file).",
            read: { .integer($0.links.maxDurationMinutes) }, write: { $0.links.maxDurationMinutes = $1.integer }
        ),
        ConfigSetting(
            key: "links.feed_refresh_hours", kind: .integer(1...168),
            documentation: "How often the podcasts playlists follow are read again for new episodes, in hours (a parent can also refresh one at once).",
            read: { .integer($0.links.feedRefreshHours) }, write: { $0.links.feedRefreshHours = $1.integer }
        ),
        ConfigSetting(
            key: "links.timeout_minutes", kind: .integer(1...600),
            documentation: "A link not fetched after this many minutes is stopped and reported failed.",
            read: { .integer($0.links.timeoutMinutes) }, write: { $0.links.timeoutMinutes = $1.integer }
        ),
        ConfigSetting(
            key: "uploads.max_file_mb", kind: .integer(1...16384),
            documentation: "Largest audio file accepted, in MiB. Larger ones are refused (413) before any of it is sent.",
            read: { .integer($0.uploads.maxFileMB) }, write: { $0.uploads.maxFileMB = $1.integer }
        ),
        ConfigSetting(
            key: "uploads.formats", kind: .text(allowEmpty: false),
            documentation: "File extensions accepted, comma-separated. A file must also decode to be added, whatever its name says.",
            read: { .string($0.uploads.formats) }, write: { $0.uploads.formats = $1.text }
        ),
        ConfigSetting(
            key: "uploads.free_space_reserve_mb", kind: .integer(0...1_000_000),
            documentation: "Space in MiB kept free on the data disk for the database and resume points: an upload that would eat into it is refused (507) before it starts.",
            read: { .integer($0.uploads.freeSpaceReserveMB) }, write: { $0.uploads.freeSpaceReserveMB = $1.integer }
        ),
        ConfigSetting(
            key: "uploads.max_sessions", kind: .integer(1...256),
            documentation: "Uploads open at once (one per file). A browser queue sends a few at a time.",
            read: { .integer($0.uploads.maxSessions) }, write: { $0.uploads.maxSessions = $1.integer }
        ),
        ConfigSetting(
            key: "uploads.max_sessions_per_client", kind: .integer(1...256),
            documentation: "Uploads one client (a parent login, or an address while no PIN is set) may have open at once, so no one can take every slot.",
            read: { .integer($0.uploads.maxSessionsPerClient) }, write: { $0.uploads.maxSessionsPerClient = $1.integer }
        ),
        ConfigSetting(
            key: "uploads.empty_session_expiry_minutes", kind: .integer(1...1440),
            documentation: "An upload that never received a byte is dropped after this long.",
            read: { .integer($0.uploads.emptySessionExpiryMinutes) }, write: { $0.uploads.emptySessionExpiryMinutes = $1.integer }
        ),
        ConfigSetting(
            key: "uploads.session_expiry_hours", kind: .integer(1...720),
            documentation: "An unfinished upload that received no byte for this long is dropped with its temporary file (asking for its status does not keep it alive).",
            read: { .integer($0.uploads.sessionExpiryHours) }, write: { $0.uploads.sessionExpiryHours = $1.integer }
        ),
        ConfigSetting(
            key: "uploads.chunk_kb", kind: .integer(64...16384),
            documentation: "Chunk size in KiB offered to clients that do not ask for one.",
            read: { .integer($0.uploads.chunkKB) }, write: { $0.uploads.chunkKB = $1.integer }
        ),
        ConfigSetting(
            key: "realtime.event_log_size", kind: .integer(1000...1_000_000),
            documentation: "Events kept for clients that reconnect (sync:request). A client that missed more gets fresh snapshots instead. About 1 KiB each.",
            read: { .integer($0.realtime.eventLogSize) }, write: { $0.realtime.eventLogSize = $1.integer }
        ),
        ConfigSetting(
            key: "realtime.ping_interval_ms", kind: .integer(100...300_000),
            documentation: "How often the box pings each phone and browser (Engine.IO pingInterval), in ms.",
            read: { .integer($0.realtime.pingIntervalMs) }, write: { $0.realtime.pingIntervalMs = $1.integer }
        ),
        ConfigSetting(
            key: "realtime.ping_timeout_ms", kind: .integer(100...300_000),
            documentation: "How long a ping may go unanswered before the box drops that client (Engine.IO pingTimeout), in ms.",
            read: { .integer($0.realtime.pingTimeoutMs) }, write: { $0.realtime.pingTimeoutMs = $1.integer }
        ),
        ConfigSetting(
            key: "realtime.connect_timeout_ms", kind: .integer(100...300_000),
            documentation: "How long a new connection may take to join the Socket.IO namespace before it is closed, in ms.",
            read: { .integer($0.realtime.connectTimeoutMs) }, write: { $0.realtime.connectTimeoutMs = $1.integer }
        ),
        ConfigSetting(
            key: "realtime.health_interval_ms", kind: .integer(100...600_000),
            documentation: "How often the box checks its parts (database, disk, audio, NFC, buttons); a change is pushed to every client as health_error / health_status.",
            read: { .integer($0.realtime.healthIntervalMs) }, write: { $0.realtime.healthIntervalMs = $1.integer }
        ),
        ConfigSetting(
            key: "log.level", kind: .choice(LogLevelName.allCases.map(\.rawValue)),
            documentation: "Least severe messages that are written.",
            read: { .string($0.log.level.rawValue) },
            write: { $0.log.level = LogLevelName(rawValue: $1.text) ?? .info }
        ),
    ]

    public static func setting(forKey key: String) -> ConfigSetting? {
        settings.first { $0.key == key }
    }
}

extension ConfigValue {
    // Only called after ConfigKind.check has matched the case.
    var text: String {
        if case .string(let value) = self { return value }
        return description
    }

    var integer: Int {
        if case .integer(let value) = self { return value }
        return 0
    }
}

extension ConfigSetting {
    /// This setting's value in a configuration, as TOML would write it.
    public func value(in config: DaemonConfig) -> String { read(config).description }
}
