import MusicBoxCore

/// A name a parent recognises for a login ("Firefox on Android"), read from the browser's user
/// agent when the login gave no label; never the raw header, which is long, unreadable and
/// chosen by the client (it went into the log as it came).
public enum DeviceName {
    public static func label(given: String?, userAgent: String?) -> String {
        if let given, let cleaned = TextRules.cleaned(given, limit: TextRules.maxLabelLength) { return cleaned.text }
        return from(userAgent: userAgent)
    }

    public static func from(userAgent: String?) -> String {
        guard let agent = userAgent, !agent.isEmpty else { return "unknown device" }
        let browsers: [(String, String)] = [
            ("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("SamsungBrowser/", "Samsung Internet"),
            ("Chrome/", "Chrome"), ("CriOS/", "Chrome"), ("FxiOS/", "Firefox"), ("Safari/", "Safari"),
            ("curl/", "curl"), ("python-requests/", "a Python script"), ("musicboxd/", "musicboxd import"),
        ]
        let systems: [(String, String)] = [
            ("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("CrOS", "Chromebook"), ("Windows", "Windows"),
            ("Macintosh", "Mac"), ("Linux", "Linux"),
        ]
        let browser = browsers.first { agent.contains($0.0) }?.1
        let system = systems.first { agent.contains($0.0) }?.1
        switch (browser, system) {
        case let (browser?, system?): return "\(browser) on \(system)"
        case let (browser?, nil): return browser
        case let (nil, system?): return "a browser on \(system)"
        case (nil, nil): return TextRules.cleaned(agent, limit: 40)?.text ?? "unknown device"
        }
    }
}
