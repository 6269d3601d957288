import Foundation
import MusicBoxCore

/// Everything the daemon reads at start. Each field is declared, documented and validated
/// in ``ConfigSchema``; this struct is just the typed result.
public struct DaemonConfig: Sendable, Equatable {
    public struct Server: Sendable, Equatable {
        public var host = "0.0.0.0"
        public var port = 8080
        public var maxJSONBodyBytes = 64 * 1024
        /// Empty: the web UI that came with the binary.
        public var webRoot = ""
        /// More names the box answers to (besides localhost, its host name, `<name>.local` and its addresses).
        public var allowedHosts: [String] = []
        /// `/api/dev/*` for simulated hardware; never served unless the hardware mode is `sim`.
        public var devRoutes = false
        public var requestHeadTimeoutMs = 5_000
        public var requestBodyTimeoutMs = 60_000
        public var keepAliveTimeoutMs = 75_000
        public var maxConnections = 2048
    }

    public struct Storage: Sendable, Equatable {
        public var dataDir = "./data"
    }

    public struct Hardware: Sendable, Equatable {
        public var mode = HardwareMode.auto
    }

    public struct Audio: Sendable, Equatable {
        public var device = "default"
        public var latencyMs = 100
        /// 0: a quarter of the buffer.
        public var periodMs = 0
        public var mixerDevice = "default"
        /// Empty: software volume.
        public var mixerControl = ""
        /// "off": never play feedback sounds, whatever the parents' setting.
        public var feedbackSounds = "on"
        /// How often the listener's place is saved while playing.
        public var resumeSaveIntervalMs = 10_000
    }

    /// Live streams (web radio): how long the box waits for one, and when it gives up on one that dropped.
    public struct Streams: Sendable, Equatable {
        /// PEM certificates HTTPS streams are checked against; empty: the system's.
        public var caFile = ""
        public var openTimeoutMs = 8000
        public var readTimeoutMs = 10_000
        public var giveUpAfterS = 120
    }

    /// Switching the system off from the box (shutdown button, `/api/system/shutdown`).
    public struct Power: Sendable, Equatable {
        /// The file whose creation asks systemd to power off (`musicboxd-shutdown.path`); empty:
        /// `$RUNTIME_DIRECTORY/poweroff` under systemd, else switching off is not set up.
        public var requestFile = ""
    }

    public struct NFC: Sendable, Equatable {
        /// libnfc connection string, or "auto".
        public var device = "auto"
        public var removalGraceMs = 1000
    }

    /// Buttons and encoder: BCM line numbers (-1: not fitted) and their timing.
    public struct Controls: Sendable, Equatable {
        public var chip = "gpiochip0"
        public var bias = "pull-up"
        public var activeLevel = "low"
        public var playPausePin = -1
        public var nextPin = -1
        public var previousPin = -1
        public var volumeUpPin = -1
        public var volumeDownPin = -1
        public var stopPin = -1
        /// A dedicated button that switches the box off when held for `shutdownHoldMs`.
        public var shutdownPin = -1
        public var shutdownHoldMs = 3000
        public var encoderAPin = -1
        public var encoderBPin = -1
        public var encoderPushPin = -1
        public var encoderType = "full-step"
        public var longPressPlayPause = "stop"
        public var longPressNext = "none"
        public var longPressPrevious = "none"
        public var debounceMs = 30
        public var longPressMs = 1000
        public var repeatMs = 200
        public var volumeStep = 5
    }

    /// Songs from links, fetched by yt-dlp.
    public struct Links: Sendable, Equatable {
        /// A path, or a name looked up on PATH.
        public var ytdlp = "yt-dlp"
        public var concurrentTasks = 2
        public var maxDurationMinutes = 180
        public var timeoutMinutes = 30
        /// How often followed podcasts are read again.
        public var feedRefreshHours = 6
    }

    /// The smart home's MQTT broker (README "Home Assistant").
    public struct MQTT: Sendable, Equatable {
        public var enabled = "off"
        public var host = "localhost"
        public var port = 1883
        /// TLS when set: the broker's certificate is checked against it.
        public var caFile = ""
        public var username = ""
        /// Never logged; not part of the API's settings.
        public var password = ""
        /// Empty: `musicboxd-<hostname>`.
        public var clientID = ""
        /// Empty: `musicbox/<hostname>`.
        public var baseTopic = ""
        /// Home Assistant discovery: "on" publishes it, "off" clears it.
        public var discovery = "on"
        public var discoveryPrefix = "homeassistant"
        public var trusted = "off"
    }

    public struct Uploads: Sendable, Equatable {
        public var maxFileMB = 1024
        /// Comma-separated file extensions.
        public var formats = "mp3,m4a,m4b,aac,flac,ogg,oga,opus,wav,aif,aiff,mka"
        public var freeSpaceReserveMB = 200
        public var maxSessions = 8
        public var maxSessionsPerClient = 4
        public var emptySessionExpiryMinutes = 10
        public var sessionExpiryHours = 24
        public var chunkKB = 1024

        /// The extensions of `formats`, lowercase, without dots.
        public var formatList: Set<String> {
            Set(formats.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased().trimmingPrefix(".") }.map(String.init).filter { !$0.isEmpty })
        }
    }

    public struct Realtime: Sendable, Equatable {
        public var eventLogSize = 1000
        public var healthIntervalMs = 5000
        public var pingIntervalMs = 25_000
        public var pingTimeoutMs = 20_000
        public var connectTimeoutMs = 45_000
    }

    public struct Log: Sendable, Equatable {
        public var level = LogLevelName.info
    }

    public var server = Server()
    public var storage = Storage()
    public var hardware = Hardware()
    public var nfc = NFC()
    public var controls = Controls()
    public var audio = Audio()
    public var streams = Streams()
    public var links = Links()
    public var mqtt = MQTT()
    public var power = Power()
    public var uploads = Uploads()
    public var realtime = Realtime()
    public var log = Log()

    public init() {}
}
