import ArgumentParser
import BoxConfig
import Daemon
import Foundation
import Logging
import MusicBoxCore
import Server

@main
struct MusicBoxdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "musicboxd",
        abstract: "The music box daemon: NFC tags, buttons, ALSA playback, and the web remote.",
        version: MusicBoxVersion.current,
        subcommands: [Run.self, Config.self, Import.self, Operations.self, Libraries.self],
        defaultSubcommand: Run.self
    )
}

/// Options shared by every subcommand that reads the configuration. Each flag overrides
/// the config file and the environment.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Config file (TOML). Default: $MUSICBOXD_CONFIG, ./musicboxd.toml, /etc/musicboxd/musicboxd.toml.")
    var config: String?

    @Option(name: .long, help: "Folder for the database and audio files (storage.data_dir).")
    var dataDir: String?

    @Option(name: .long, help: "Address to listen on (server.host).")
    var host: String?

    @Option(name: .long, help: "TCP port; 0 picks a free one (server.port).")
    var port: Int?

    @Option(name: .long, help: "Hardware: auto, real or sim (hardware.mode).")
    var hardware: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (log.level).")
    var logLevel: String?

    /// Defaults, then file, then environment, then these flags — each checked by the same schema.
    func load() throws -> DaemonConfig {
        let environment = ProcessInfo.processInfo.environment
        do {
            let path = try ConfigLoader.locate(explicit: config, environment: environment)
            var result = try ConfigLoader.load(path: path, environment: environment)
            var flags: [String: String] = [:]
            flags["storage.data_dir"] = dataDir
            flags["server.host"] = host
            flags["server.port"] = port.map(String.init)
            flags["hardware.mode"] = hardware
            flags["log.level"] = logLevel
            try ConfigLoader.applyOverrides(flags, source: "command line", to: &result)
            return result
        } catch {
            FileHandle.standardError.write(Data("musicboxd: configuration error: \(error)\n".utf8))
            throw ExitCode(78)  // EX_CONFIG
        }
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the daemon (the default).")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let startedAt = Date()
        let startInstant = ContinuousClock.now
        Signals.unblockShutdownSignals()
        let config = try options.load()

        let level = Logger.Level(rawValue: config.log.level.rawValue) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            // Also kept in memory for GET /api/system/logs.
            return MultiplexLogHandler([handler, RingLogHandler(label: label, level: level)])
        }
        var logger = Logger(label: "musicboxd")
        logger.logLevel = level

        let daemon: MusicBoxDaemon
        do {
            daemon = try MusicBoxDaemon(config: config, logger: logger, startedAt: startedAt, startInstant: startInstant)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
        logger.info("musicboxd \(MusicBoxVersion.current) starting, data in \(daemon.layout.root.path), hardware \(config.hardware.mode.rawValue)")
        let readyTask = Task {
            if let port = try? await daemon.waitUntilListening() {
                let ms = (ContinuousClock.now - startInstant).components.attoseconds / 1_000_000_000_000_000
                    + (ContinuousClock.now - startInstant).components.seconds * 1000
                logger.notice("ready on port \(port) in \(ms) ms")
            }
        }
        defer { readyTask.cancel() }
        try await daemon.run()
        logger.info("stopped")
    }
}

struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or check the configuration.",
        subcommands: [Sample.self, Check.self]
    )

    struct Sample: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a documented config file with every setting and its default.")
        func run() { print(SampleConfig.render(), terminator: "") }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate the configuration and print the values in effect.")
        @OptionGroup var options: ConfigOptions

        func run() throws {
            let config = try options.load()
            print("configuration is valid")
            for setting in ConfigSchema.settings {
                print("\(setting.key) = \(setting.value(in: config))")
            }
        }
    }
}

/// `musicboxd operations`: the table of operations and who may call each, as JSON lines (the
/// access tests walk it; a parent can read what the home network may do).
struct Operations: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List every operation (HTTP route, Socket.IO event) and who may call it, as JSON lines.")

    func run() throws {
        for operation in OperationTable.all {
            var line: [String: Any] = ["name": operation.name, "access": operation.access.rawValue, "development": operation.isDevelopment]
            if let route = operation.route {
                line["method"] = "\(route.method)"
                line["path"] = route.documentedPath
            }
            if let event = operation.event { line["event"] = event }
            let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// `musicboxd libraries`: the C libraries in use (libgpiod and its API, FFmpeg, alsa-lib, libnfc,
/// SQLite), one per line.
struct Libraries: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the versions of the C libraries this binary runs with.")

    func run() {
        for library in LinkedLibraries.all { print(library) }
    }
}

/// A process started from some test harnesses and shells inherits SIGTERM/SIGINT blocked, so
/// a clean stop would never arrive. The daemon unblocks them before anything else.
enum Signals {
    static func unblockShutdownSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGHUP)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
