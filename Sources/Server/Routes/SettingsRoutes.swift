import Hummingbird
import MusicBoxCore

/// `/api/settings`: the parents' settings, changed through the state manager.
struct SettingsRoutes<Context: RequestContext> {
    let dependencies: APIDependencies
    var body: JSONBodyReader { JSONBodyReader(limit: dependencies.maxJSONBodyBytes) }

    func register(on routes: OperationRoutes<Context>) {
        routes.add(.getSettings, use: get)
        routes.add(.replaceSettings, use: update)
        routes.add(.updateSettings, use: update)
    }

    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        try JSONResponse.success(try await dependencies.state.settings(), message: "Settings")
    }

    struct UpdateBody: Decodable {
        var max_volume: Int?
        var min_volume: Int?
        var startup_volume: Int?
        var startup_volume_after_idle_minutes: Int?
        var tag_removal: String?
        var tag_again: String?
        var toddler_lock_mode: String?
        var daily_limit_minutes: Int?
        var box_name: String?
        var start_over_after_hours: Int?
        var playback_requires_token: Bool?
        var sleep_timer_minutes: Int?
        var quiet_hours_enabled: Bool?
        var quiet_hours_start: String?
        var quiet_hours_end: String?
        var quiet_hours_max_volume: Int?
        var feedback_sounds: Bool?
        var feedback_volume: Int?
        var client_op_id: String?
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(UpdateBody.self, from: request)
        let opID = try ClientOpID.validate(input.client_op_id)
        let command = UpdateSettings(
            maxVolume: input.max_volume, startupVolume: input.startup_volume,
            tagRemoval: input.tag_removal, startOverAfterHours: input.start_over_after_hours,
            playbackRequiresToken: input.playback_requires_token, sleepTimerMinutes: input.sleep_timer_minutes,
            quietHoursEnabled: input.quiet_hours_enabled, quietHoursStart: input.quiet_hours_start, quietHoursEnd: input.quiet_hours_end,
            quietHoursMaxVolume: input.quiet_hours_max_volume,
            feedbackSounds: input.feedback_sounds, feedbackVolume: input.feedback_volume, tagAgain: input.tag_again,
            minVolume: input.min_volume, startupVolumeAfterIdleMinutes: input.startup_volume_after_idle_minutes,
            toddlerLockMode: input.toddler_lock_mode, dailyLimitMinutes: input.daily_limit_minutes, boxName: input.box_name
        )
        let committed = try await dependencies.perform(command, clientOpID: opID, request: request)
        // The smart home names the device after the box.
        if input.box_name != nil, !committed.replayed { dependencies.smartHome?.reconfigure() }
        return try JSONResponse.success(committed.value, message: "Settings saved", serverSeq: committed.serverSeq, clientOpID: opID)
    }
}
