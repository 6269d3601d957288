import MusicBoxCore

/// Everything the daemon reads at start. Each field is declared, documented and validated
/// in ``ConfigSchema``; this struct is just the typed result.
public struct DaemonConfig: Sendable, Equatable {
    public struct Server: Sendable, Equatable {
        public var host = "0.0.0.0"
        public var port = 8080
        public var maxJSONBodyBytes = 64 * 1024
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
    }

    public struct NFC: Sendable, Equatable {
        /// libnfc connection string, or "auto".
        public var device = "auto"
        public var removalGraceMs = 1000
    }

    public struct Realtime: Sendable, Equatable {
        public var eventLogSize = 1000
        public var healthIntervalMs = 5000
    }

    public struct Log: Sendable, Equatable {
        public var level = LogLevelName.info
    }

    public var server = Server()
    public var storage = Storage()
    public var hardware = Hardware()
    public var nfc = NFC()
    public var audio = Audio()
    public var realtime = Realtime()
    public var log = Log()

    public init() {}
}
