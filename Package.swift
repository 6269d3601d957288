// swift-tools-version:6.1
// musicboxd: the firmware daemon of a children's NFC music box.
// One target per concern; the folder tree under Sources/ is the architecture.

import Foundation
import PackageDescription

/// libgpiod's API generation, from pkg-config: 1 for libgpiod 1.x (Debian 12 bookworm), 2 for 2.x
/// (Debian 13 trixie). `MUSICBOXD_GPIOD_API=1|2` overrides it.
let gpiodAPI: String = {
    if let forced = ProcessInfo.processInfo.environment["MUSICBOXD_GPIOD_API"], ["1", "2"].contains(forced) { return forced }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["pkg-config", "--modversion", "libgpiod"]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return "1" }
    process.waitUntilExit()
    let version = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return process.terminationStatus == 0 && !version.hasPrefix("1.") ? "2" : "1"
}()

let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "musicboxd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "musicboxd", targets: ["musicboxd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        // Domain model, errors, commands and the single-writer state manager. No I/O of its own.
        .target(
            name: "MusicBoxCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // SQLite (GRDB) schema, migrations, repositories, and the media folder.
        .target(
            name: "MediaLibrary",
            dependencies: [
                "MusicBoxCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // Sound: playback engines behind MusicBoxCore's `PlaybackEngine` (the simulated one for
        // machines without a sound card; ALSA with its own issue).
        .target(
            name: "Audio",
            dependencies: [
                "MusicBoxCore", "CALSA", "CALSASupport", "CFFmpeg",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // C libraries of the audio engine (Debian: libasound2-dev; libavformat-dev, libavcodec-dev,
        // libswresample-dev, libavutil-dev).
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        // A few lines of C for what Swift cannot write: alsa-lib's variadic error handler.
        .target(name: "CALSASupport", dependencies: ["CALSA"], linkerSettings: [.linkedLibrary("asound")]),
        .systemLibrary(
            name: "CFFmpeg", pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswresample-dev", "libavutil-dev"])]
        ),
        // Chunked, resumable uploads: sessions, their temp files, and the checks that turn a
        // complete file into a track (hash, decode probe) before the state manager adds it.
        .target(
            name: "Uploads",
            dependencies: [
                "MusicBoxCore",
                "CExpat",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // NFC: tag readers behind MusicBoxCore's `TagReader` (libnfc on the box, simulated elsewhere).
        .target(
            name: "NFC",
            dependencies: [
                "MusicBoxCore", "CNFC",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // Buttons and a rotary encoder behind MusicBoxCore's `ControlInput` (libgpiod v1 or v2 on the box).
        .target(
            name: "Controls",
            dependencies: [
                "MusicBoxCore", "CGPIOD",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // libgpiod (Debian: libgpiod-dev), v1 or v2 API behind one small C interface.
        .target(
            name: "CGPIOD",
            cSettings: [.define("MUSICBOX_GPIOD_API", to: gpiodAPI)],
            linkerSettings: [.linkedLibrary("gpiod")]
        ),
        // The smart home: MQTT through libmosquitto, its topics, Home Assistant's discovery.
        .target(
            name: "SmartHome",
            dependencies: [
                "MusicBoxCore",
                "CMosquitto",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // libmosquitto (Debian: libmosquitto-dev), the reference MQTT client.
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        // Expat (Debian: libexpat1-dev): podcast feeds, RSS and Atom.
        .systemLibrary(name: "CExpat", pkgConfig: "expat", providers: [.apt(["libexpat1-dev"])]),
        // libnfc (Debian: libnfc-dev).
        .systemLibrary(name: "CNFC", pkgConfig: "libnfc", providers: [.apt(["libnfc-dev"])]),
        // The configuration file: schema, defaults, environment overrides, validation.
        .target(
            name: "BoxConfig",
            dependencies: [
                "MusicBoxCore",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strictSwift
        ),
        // Socket.IO v5 over Engine.IO v4 (polling, WebSocket, upgrade, rooms, acks). Protocol only:
        // knows nothing about music.
        .target(
            name: "SocketIO",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // A Socket.IO server with protocol-exercising events only, for the conformance suite and benchmark.
        .executableTarget(
            name: "SocketIOTestServer",
            dependencies: [
                "SocketIO",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // HTTP API (Hummingbird): routes, the error envelope, request decoding.
        .target(
            name: "Server",
            dependencies: [
                "MusicBoxCore", "SocketIO", "Uploads", "Parental", "SmartHome",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // Who may do what: the parent PIN (scrypt), parent tokens, PIN attempt limits.
        .target(
            name: "Parental",
            dependencies: [
                "MusicBoxCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // The web UI: plain HTML, CSS and JavaScript modules in `site/`, served at `/`.
        .target(
            name: "WebUI",
            resources: [.copy("site")],
            swiftSettings: strictSwift
        ),
        // Wiring: builds the whole daemon from a configuration and runs it as services.
        .target(
            name: "Daemon",
            dependencies: [
                "MusicBoxCore", "MediaLibrary", "BoxConfig", "Server", "SocketIO", "Audio", "NFC", "Controls", "Uploads", "WebUI", "Parental", "SmartHome",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // The executable: command line only.
        .executableTarget(
            name: "musicboxd",
            dependencies: [
                "Daemon", "BoxConfig", "MusicBoxCore", "Server",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "MusicBoxTests",
            dependencies: [
                "MusicBoxCore", "MediaLibrary", "BoxConfig", "Server", "Daemon", "Audio", "NFC", "Controls", "SocketIO", "Uploads", "Parental", "SmartHome",
                // Built so the process tests (exit codes, kill -9) can run the real binary.
                "musicboxd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "SocketIOTests",
            dependencies: ["SocketIO", .product(name: "NIOEmbedded", package: "swift-nio")],
            swiftSettings: strictSwift
        ),
    ],
    swiftLanguageModes: [.v6]
)
