import BoxConfig
import Foundation
import MusicBoxCore
import Testing

@Suite("Configuration")
struct ConfigTests {
    func load(_ toml: String, environment: [String: String] = [:]) throws(ConfigError) -> DaemonConfig {
        var config = DaemonConfig()
        try ConfigLoader.apply(toml: toml, source: "test.toml", to: &config)
        try ConfigLoader.applyEnvironment(environment, to: &config)
        return config
    }

    @Test("defaults work on a laptop: port 8080, ./data, auto hardware")
    func defaults() throws {
        let config = try load("")
        #expect(config.server.port == 8080)
        #expect(config.server.host == "0.0.0.0")
        #expect(config.storage.dataDir == "./data")
        #expect(config.hardware.mode == .auto)
        #expect(config.log.level == .info)
    }

    @Test("file values apply, and the environment wins over the file")
    func fileThenEnvironment() throws {
        let config = try load(
            """
            [server]
            port = 9000
            host = "127.0.0.1"
            [hardware]
            mode = "SIM"
            """,
            environment: ["MUSICBOXD_SERVER_PORT": "9100", "MUSICBOXD_LOG_LEVEL": "debug", "HOME": "/root", "MUSICBOXD_CONFIG": "x"]
        )
        #expect(config.server.port == 9100)
        #expect(config.server.host == "127.0.0.1")
        #expect(config.hardware.mode == .sim)
        #expect(config.log.level == .debug)
    }

    @Test("an unknown key is named, with a suggestion")
    func unknownKey() {
        #expect {
            try load("[server]\nprot = 80\n")
        } throws: { error in
            let error = error as! ConfigError
            return error.key == "server.prot" && error.description.contains("did you mean 'server.port'")
        }
        #expect { try load("[sevrer]\nport = 80\n") } throws: { ($0 as! ConfigError).key == "sevrer" }
        #expect { try load("port = 80\n") } throws: { error in
            let error = error as! ConfigError
            return error.key == "port" && error.message.contains("server.port")
        }
    }

    @Test("a value of the wrong type or out of range is named with what is expected")
    func badValues() {
        #expect { try load("[server]\nport = \"eighty\"\n") } throws: { error in
            let error = error as! ConfigError
            return error.key == "server.port" && error.message.contains("an integer from 0 to 65535")
        }
        #expect { try load("[server]\nport = 70000\n") } throws: { ($0 as! ConfigError).key == "server.port" }
        #expect { try load("[hardware]\nmode = \"maybe\"\n") } throws: { error in
            let error = error as! ConfigError
            return error.key == "hardware.mode" && error.message.contains("\"auto\", \"real\", \"sim\"")
        }
        #expect { try load("[storage]\ndata_dir = \"\"\n") } throws: { ($0 as! ConfigError).key == "storage.data_dir" }
        #expect { try load("[storage]\ndata_dir = [1, 2]\n") } throws: { ($0 as! ConfigError).key == "storage.data_dir" }
    }

    @Test("environment variables are checked too; a misspelt one is an error")
    func environmentErrors() {
        #expect { try load("", environment: ["MUSICBOXD_SERVER_PORT": "http"]) } throws: { error in
            (error as! ConfigError).key == "MUSICBOXD_SERVER_PORT"
        }
        #expect { try load("", environment: ["MUSICBOXD_SERVER_PROT": "80"]) } throws: { error in
            let error = error as! ConfigError
            return error.key == "MUSICBOXD_SERVER_PROT" && error.message.contains("MUSICBOXD_SERVER_PORT")
        }
    }

    @Test("broken TOML reports the line")
    func brokenTOML() {
        #expect { try load("[server]\nport = = 3\n") } throws: { error in
            (error as! ConfigError).message.contains("line 2")
        }
    }

    @Test("the sample file documents every setting and, uncommented, reproduces the defaults")
    func sampleFile() throws {
        let sample = SampleConfig.render()
        for setting in ConfigSchema.settings {
            #expect(sample.contains("#\(setting.name) = "), "\(setting.key) missing from the sample")
            #expect(sample.contains(setting.environmentName))
        }
        let uncommented = sample.split(separator: "\n").map { line in
            line.hasPrefix("#") && line.contains(" = ") ? String(line.dropFirst()) : String(line)
        }.joined(separator: "\n")
        #expect(try load(uncommented) == DaemonConfig())
    }

    @Test("musicboxd.example.toml in the repository is the current sample")
    func committedSampleIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let committed = try String(contentsOf: root.appendingPathComponent("musicboxd.example.toml"), encoding: .utf8)
        #expect(committed == SampleConfig.render(), "run `musicboxd config sample > musicboxd.example.toml`")
    }

    @Test("the binary refuses a bad config with exit code 78 and names the key")
    func binaryRefusesBadConfig() async throws {
        let dir = try TemporaryDirectory()
        try "[server]\nprot = 8080\n".write(to: dir.file("bad.toml"), atomically: true, encoding: .utf8)
        let bad = try await DaemonProcess.runToEnd(arguments: ["run", "--config", dir.file("bad.toml").path], in: dir)
        #expect(bad.status == 78)
        #expect(bad.output.contains("server.prot"))
        #expect(bad.output.contains("did you mean 'server.port'"))

        let missing = try await DaemonProcess.runToEnd(arguments: ["run", "--config", dir.file("nope.toml").path], in: dir)
        #expect(missing.status == 78)
        #expect(missing.output.contains("does not exist"))

        let env = try await DaemonProcess.runToEnd(arguments: ["config", "check"], environment: ["MUSICBOXD_HARDWARE_MODE": "lasers"], in: dir)
        #expect(env.status == 78)
        #expect(env.output.contains("MUSICBOXD_HARDWARE_MODE"))

        let flag = try await DaemonProcess.runToEnd(arguments: ["config", "check", "--port", "99999"], in: dir)
        #expect(flag.status == 78)
        #expect(flag.output.contains("server.port"))

        let good = try await DaemonProcess.runToEnd(arguments: ["config", "check", "--port", "9000"], in: dir)
        #expect(good.status == 0)
        #expect(good.output.contains("server.port = 9000"))
    }
}
