import Foundation
import MusicBoxCore
import SmartHome
import Testing

@Suite("The parents' MQTT settings: checked, stored over the config file, the password never encoded")
struct MQTTPreferencesTests {
    @Test("every field is checked before anything is stored; a bad one names itself")
    func validation() throws {
        let good = MQTTPreferences(
            enabled: true, host: "homeassistant.local", port: 8883, tls: true, username: "box", password: "p ä ss",
            clientID: "kids-room_1.box", baseTopic: "home/kids room/box", discoveryPrefix: "ha"
        )
        try good.validate()
        try MQTTPreferences(host: "::1").validate()
        try MQTTPreferences(host: "192.168.1.20", username: "", password: "", clientID: "", baseTopic: "", discoveryPrefix: "").validate()
        let bad: [(MQTTPreferences, String)] = [
            (MQTTPreferences(host: ""), "host"), (MQTTPreferences(host: "a b"), "host"), (MQTTPreferences(host: "ä.local"), "host"),
            (MQTTPreferences(host: String(repeating: "a", count: 254)), "host"),
            (MQTTPreferences(port: 0), "port"), (MQTTPreferences(port: 65536), "port"),
            (MQTTPreferences(username: "a\nb"), "username"), (MQTTPreferences(password: String(repeating: "x", count: 257)), "password"),
            (MQTTPreferences(password: "a\u{0}b"), "password"),
            (MQTTPreferences(clientID: "box/1"), "client_id"), (MQTTPreferences(clientID: String(repeating: "x", count: 65)), "client_id"),
            (MQTTPreferences(baseTopic: "a/+/b"), "base_topic"), (MQTTPreferences(baseTopic: "a/#"), "base_topic"),
            (MQTTPreferences(baseTopic: "$SYS/box"), "base_topic"), (MQTTPreferences(baseTopic: "/box"), "base_topic"),
            (MQTTPreferences(baseTopic: "box/"), "base_topic"), (MQTTPreferences(baseTopic: "a//b"), "base_topic"),
            (MQTTPreferences(baseTopic: String(repeating: "x", count: 129)), "base_topic"),
            (MQTTPreferences(discoveryPrefix: "ha#"), "discovery_prefix"),
        ]
        for (preferences, field) in bad {
            do {
                try preferences.validate()
                Issue.record("\(preferences) was taken")
            } catch {
                #expect(error.code == .validationError && error.details["field"] == field, "\(preferences): \(error)")
            }
        }
    }

    @Test("a change replaces only the fields it gives; an empty client id, base topic or prefix goes back to the default")
    func updates() {
        let stored = MQTTPreferences(enabled: true, host: "broker", password: "secret", clientID: "mine", baseTopic: "kids/box")
        let changed = stored.updated(by: MQTTPreferences(port: 1884, password: "", clientID: "", baseTopic: "other"))
        #expect(changed == MQTTPreferences(enabled: true, host: "broker", port: 1884, password: "", clientID: nil, baseTopic: "other"))
        #expect(stored.updated(by: MQTTPreferences()) == stored)
        #expect(MQTTPreferences().isEmpty && !MQTTPreferences(trusted: false).isEmpty)
    }

    @Test("the parents' choices go over the config file's; an empty username or password means none")
    func applied() {
        var config = MQTTSettings(hostname: "Kids-Room")
        config.host = "config-broker"
        config.username = "config-user"
        config.password = "config-pass"
        config.caFile = "/etc/ca.pem"
        config.tls = true
        #expect(config.applying(MQTTPreferences()) == config)
        let settings = config.applying(MQTTPreferences(enabled: true, port: 1884, tls: false, username: "", password: "new", baseTopic: "x/y"))
        #expect(settings.enabled && settings.host == "config-broker" && settings.port == 1884 && !settings.tls)
        #expect(settings.username == nil && settings.password == "new" && settings.baseTopic == "x/y" && settings.clientID == "musicboxd-kids-room")
        #expect(settings.caFile == "/etc/ca.pem")
        // Trust and discovery apply on the running connection; the rest needs a new one.
        #expect(!config.applying(MQTTPreferences(discovery: false, trusted: true)).connectsDifferently(from: config))
        for change in [MQTTPreferences(host: "b"), MQTTPreferences(password: "p"), MQTTPreferences(baseTopic: "t"), MQTTPreferences(tls: false)] {
            #expect(config.applying(change).connectsDifferently(from: config), "\(change)")
        }
    }

    @Test("what a stored change encodes (for a socket told of the operation) has no password, only whether one is set")
    func encodedWithoutThePassword() throws {
        let saved = SavedMQTTPreferences(preferences: MQTTPreferences(host: "broker", username: "box", password: "hunter2"))
        let text = String(decoding: try JSONEncoder().encode(saved), as: UTF8.self)
        #expect(!text.contains("hunter2") && !text.contains("\"password\""))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["password_set"] as? Bool == true && object["username"] as? String == "box")
    }
}
