/// The documented sample configuration, written from ``ConfigSchema``:
/// every setting with its meaning, accepted values, environment variable and default.
/// `musicboxd config sample` prints it; `musicboxd.example.toml` in the repository is a copy (a test keeps them equal).
public enum SampleConfig {
    public static func render() -> String {
        var lines = [
            "# musicboxd configuration",
            "#",
            "# Every setting is shown with its default value, commented out. Uncomment to change.",
            "# Each one can also be set by an environment variable (shown below it), which wins over this file.",
            "# The daemon refuses to start on an unknown key or a bad value, naming it.",
        ]
        let defaults = DaemonConfig()
        var currentSection = ""
        for setting in ConfigSchema.settings {
            if setting.section != currentSection {
                currentSection = setting.section
                lines += ["", "[\(currentSection)]"]
                if let doc = ConfigSchema.sectionDocumentation[currentSection] { lines.append("# \(doc)") }
            }
            lines.append("")
            lines += wrap(setting.documentation).map { "# \($0)" }
            lines.append("# Accepts \(setting.kind.expectation). Environment: \(setting.environmentName).")
            lines.append("#\(setting.name) = \(setting.read(defaults))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func wrap(_ text: String, width: Int = 96) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + word.count + 1 > width {
                lines.append(line)
                line = ""
            }
            line += line.isEmpty ? String(word) : " \(word)"
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
