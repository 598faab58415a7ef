import EventCore
import FoundationEssentials
import MQTTClient
import Rules
import Vocabulary

/// The configuration file format: INI-like sections, `key = value` lines, `#` comments.
///
/// ```
/// [broker]
/// host = 127.0.0.1          # inline comment after whitespace
/// password_file = ${CREDENTIALS_DIRECTORY}/mqtt-password
/// ```
/// Values may be double-quoted (then `#` is literal and `\"`, `\\` are escapes). Unknown sections and keys,
/// duplicate keys and bad values are errors reported as `file:line: error: message`; every error is
/// collected before the parse fails. `${NAME}` in path values expands from the environment.
extension DaemonConfiguration {
    /// Reads and parses the file at `path`.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigurationError) -> DaemonConfiguration
    {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(issues: [ConfigurationIssue(file: path, line: 0, message: "cannot read configuration file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(issues: [ConfigurationIssue(file: path, line: 0, message: "configuration file is not valid UTF-8")])
        }
        return try parse(text, path: path, environment: environment)
    }

    /// Parses configuration text; relative paths resolve against the directory of `path`.
    public static func parse(_ text: String, path: String, environment: [String: String] = [:])
        throws(ConfigurationError) -> DaemonConfiguration
    {
        var configuration = DaemonConfiguration()
        configuration.sourcePath = path
        let context = ConfigValueContext(file: path, environment: environment)
        var issues: [ConfigurationIssue] = []
        var seen: [String: Int] = [:]
        var section = ""
        for (lineNumber, line) in ConfigLine.read(text) {
            func report(_ message: String) { issues.append(ConfigurationIssue(file: path, line: lineNumber, message: message)) }
            let key: String, text: Result<String, ConfigValueError>
            switch line {
            case .malformedSection(let header):
                report("malformed section header '\(header)': expected '[name]'")
                continue
            case .section(let name):
                section = name.lowercased()
                if !configurationSections.contains(section) {
                    report("unknown section [\(section)]; known: \(configurationSections.sorted().joined(separator: ", "))")
                }
                continue
            case .notKeyValue:
                report("expected 'key = value'")
                continue
            case .entry(let entryKey, let value):
                (key, text) = (entryKey, value)
            }
            guard !section.isEmpty else {
                report("'\(key)' is outside of any section")
                continue
            }
            guard configurationSections.contains(section) else { continue }
            let qualified = "\(section).\(key)"
            guard let setting = configurationSettings[qualified] else {
                let known = configurationSettings.keys.filter { $0.hasPrefix(section + ".") }
                    .map { String($0.dropFirst(section.count + 1)) }.sorted()
                report("unknown key '\(key)' in [\(section)]; known: \(known.joined(separator: ", "))")
                continue
            }
            if let first = seen[qualified] {
                report("duplicate key '\(key)' in [\(section)] (first set on line \(first))")
                continue
            }
            seen[qualified] = lineNumber
            do {
                try setting(&configuration, ConfigValue(key: key, text: try text.get(), context: context))
            } catch {
                report(error.message)
            }
        }
        if configuration.timelineKeySource == nil, let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty {
            // systemd's `LoadCredential=timeline-key:…` (the shipped unit) puts the key here.
            let file = PathText.join(directory, TimelineKeyFile.credentialName)
            if FileManager.default.fileExists(atPath: file) {
                do {
                    configuration.timelineKey = try TimelineKeyFile.read(file)
                    configuration.timelineKeySource = file
                } catch {
                    issues.append(ConfigurationIssue(file: path, line: 0, message: "credential \(TimelineKeyFile.credentialName): \(error.message)"))
                }
            }
        }
        if issues.isEmpty { validate(configuration, path: path, issues: &issues) }
        guard issues.isEmpty else { throw ConfigurationError(issues: issues) }
        return configuration
    }

    /// Checks that need the whole file (settings that depend on each other).
    private static func validate(_ configuration: DaemonConfiguration, path: String, issues: inout [ConfigurationIssue]) {
        func report(_ message: String) { issues.append(ConfigurationIssue(file: path, line: 0, message: message)) }
        if configuration.broker.reconnectDelayMin > configuration.broker.reconnectDelayMax {
            report("[broker] reconnect_min is larger than reconnect_max")
        }
        if let tls = configuration.broker.tls, (tls.certFile == nil) != (tls.keyFile == nil) {
            report("[broker] tls_cert_file and tls_key_file must be given together")
        }
        if configuration.broker.password != nil && configuration.broker.username == nil {
            report("[broker] password_file is set but username is not")
        }
    }

    /// The value part of a line: a quoted string, or bare text up to an inline comment.
    static func unquote(_ raw: Substring) -> Result<String, ConfigValueError> {
        let trimmed = raw.trimmingWhitespace()
        guard trimmed.hasPrefix("\"") else {
            return .success(String(stripComment(Substring(trimmed))).trimmingWhitespace())
        }
        var out = ""
        var escaped = false
        var closing: String.Index?
        var index = trimmed.index(after: trimmed.startIndex)
        while index < trimmed.endIndex {
            let character = trimmed[index]
            if escaped {
                out.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                closing = index
                break
            } else {
                out.append(character)
            }
            index = trimmed.index(after: index)
        }
        guard let closing else { return .failure(ConfigValueError("unterminated quoted value")) }
        let rest = trimmed[trimmed.index(after: closing)...].trimmingWhitespace()
        guard rest.isEmpty || rest.hasPrefix("#") else {
            return .failure(ConfigValueError("unexpected text after the closing quote: '\(rest)'"))
        }
        return .success(out)
    }

    /// Drops a `#` comment that starts the text or follows whitespace.
    static func stripComment(_ text: some StringProtocol) -> Substring {
        var previous: Character = " "
        for index in text.indices {
            if text[index] == "#" && (previous == " " || previous == "\t") { return Substring(text[..<index]) }
            previous = text[index]
        }
        return Substring(text)
    }
}

/// Section names the file may use.
private let configurationSections: Set<String> = Set(configurationSettings.keys.map { String($0.split(separator: ".")[0]) })

/// Every setting: `section.key` → how to apply its value. One table serves parsing, errors and the docs.
private let configurationSettings: [String: @Sendable (inout DaemonConfiguration, ConfigValue) throws(ConfigValueError) -> Void] = [
    "broker.host": { c, v throws(ConfigValueError) in c.broker.host = try v.nonEmpty() },
    "broker.port": { c, v throws(ConfigValueError) in c.broker.port = try v.integer(in: 1...65_535) },
    "broker.client_id": { c, v throws(ConfigValueError) in c.broker.clientID = try v.nonEmpty() },
    "broker.clean_session": { c, v throws(ConfigValueError) in c.broker.cleanSession = try v.boolean() },
    "broker.username": { c, v throws(ConfigValueError) in c.broker.username = try v.nonEmpty() },
    "broker.password_file": { c, v throws(ConfigValueError) in
        let file = try v.path()
        c.passwordFile = file
        c.broker.password = try v.secret(fromFile: file)
    },
    "broker.keepalive": { c, v throws(ConfigValueError) in c.broker.keepAliveSeconds = Int(try v.seconds(in: 5...3_600)) },
    "broker.reconnect_min": { c, v throws(ConfigValueError) in c.broker.reconnectDelayMin = try v.seconds(in: 0.1...3_600) },
    "broker.reconnect_max": { c, v throws(ConfigValueError) in c.broker.reconnectDelayMax = try v.seconds(in: 0.1...3_600) },
    "broker.tls_ca_file": { c, v throws(ConfigValueError) in
        let ca = try v.path()
        var tls = c.broker.tls ?? TLSOptions(caFile: ca)
        tls.caFile = ca
        c.broker.tls = tls
    },
    "broker.tls_cert_file": { c, v throws(ConfigValueError) in
        guard var tls = c.broker.tls else { throw ConfigValueError("tls_cert_file needs tls_ca_file first") }
        tls.certFile = try v.path()
        c.broker.tls = tls
    },
    "broker.tls_key_file": { c, v throws(ConfigValueError) in
        guard var tls = c.broker.tls else { throw ConfigValueError("tls_key_file needs tls_ca_file first") }
        tls.keyFile = try v.path()
        c.broker.tls = tls
    },
    "topics.layout": { c, v throws(ConfigValueError) in
        let pattern = try v.nonEmpty()
        do throws(TopicLayout.PatternError) {
            c.layout = try TopicLayout(pattern: pattern)
        } catch {
            throw ConfigValueError(error.message)
        }
    },
    "topics.subscribe": { c, v throws(ConfigValueError) in
        let filters = v.list()
        guard !filters.isEmpty else {
            throw ConfigValueError("subscribe needs at least one topic filter (write \"#\" in quotes: a bare # starts a comment)")
        }
        for filter in filters where !isValidSubscriptionFilter(filter) {
            throw ConfigValueError("'\(filter)' is not a valid MQTT topic filter")
        }
        c.subscriptions = filters
    },
    "topics.qos": { c, v throws(ConfigValueError) in c.subscriptionQoS = try v.integer(in: 0...2) },
    "storage.database": { c, v throws(ConfigValueError) in c.databasePath = try v.path() },
    "storage.dedup_window": { c, v throws(ConfigValueError) in c.dedupWindowSeconds = Int64(try v.seconds(in: 0...604_800)) },
    "storage.change_retention": { c, v throws(ConfigValueError) in
        c.changeRetentionSeconds = Int64(try v.seconds(in: 3_600...31_536_000))
    },
    "storage.resident_data_retention": { c, v throws(ConfigValueError) in
        c.residentDataRetentionSeconds = Int64(try v.seconds(in: 86_400...3_650 * 86_400))
    },
    "storage.file_mode": { c, v throws(ConfigValueError) in c.databaseFileMode = try v.fileMode() },
    "storage.timeline_key_file": { c, v throws(ConfigValueError) in
        let file = try v.path()
        c.timelineKey = try v.timelineKey(fromFile: file)
        c.timelineKeySource = file
    },
    "rules.directory": { c, v throws(ConfigValueError) in
        let paths = v.list()
        guard !paths.isEmpty else { throw ConfigValueError("directory needs at least one rule directory or file") }
        c.rulePaths = try paths.map { item throws(ConfigValueError) in try v.resolve(item) }
    },
    "registry.devices": { c, v throws(ConfigValueError) in
        c.registryPath = v.text.isEmpty || v.text == "none" ? nil : try v.path()
    },
    "deadlines.red_ack": { c, v throws(ConfigValueError) in c.deadlines.acknowledgeWithinSeconds[.red] = try v.deadlineSeconds() },
    "deadlines.red_onsite": { c, v throws(ConfigValueError) in c.deadlines.onsiteWithinSeconds[.red] = try v.deadlineSeconds() },
    "deadlines.yellow_ack": { c, v throws(ConfigValueError) in c.deadlines.acknowledgeWithinSeconds[.yellow] = try v.deadlineSeconds() },
    "deadlines.yellow_onsite": { c, v throws(ConfigValueError) in c.deadlines.onsiteWithinSeconds[.yellow] = try v.deadlineSeconds() },
    "deadlines.green_ack": { c, v throws(ConfigValueError) in c.deadlines.acknowledgeWithinSeconds[.green] = try v.deadlineSeconds() },
    "deadlines.green_onsite": { c, v throws(ConfigValueError) in c.deadlines.onsiteWithinSeconds[.green] = try v.deadlineSeconds() },
    "device_time.max_future": { c, v throws(ConfigValueError) in
        c.deviceTime.maxFutureMillis = Int64(try v.seconds(in: 0...86_400) * 1000)
    },
    "device_time.max_age": { c, v throws(ConfigValueError) in
        c.deviceTime.maxAgeMillis = Int64(try v.seconds(in: 60...31_536_000) * 1000)
    },
    "limits.max_payload_bytes": { c, v throws(ConfigValueError) in c.jsonLimits.maxBytes = try v.integer(in: 16...16_777_216) },
    "limits.max_json_depth": { c, v throws(ConfigValueError) in c.jsonLimits.maxDepth = try v.integer(in: 1...512) },
    "limits.max_unknown_devices": { c, v throws(ConfigValueError) in c.maxUnknownDevices = try v.integer(in: 0...10_000_000) },
    "payloads.schema": { c, v throws(ConfigValueError) in
        guard !(v.text.isEmpty || v.text == "none") else {
            c.payloadSchemaPath = nil
            c.payloadSchema = .shipped
            return
        }
        let file = try v.path()
        c.payloadSchemaPath = file
        c.payloadSchema = try loadPayloadSchema(file)
    },
    "payloads.channels": { c, v throws(ConfigValueError) in
        let channels = v.list()
        guard !channels.isEmpty else { throw ConfigValueError("channels needs at least one channel name") }
        c.knownChannels = channels
    },
    "payloads.implausible_count": { c, v throws(ConfigValueError) in c.implausibleCount = try v.integer(in: 1...1_000_000) },
    "payloads.implausible_window": { c, v throws(ConfigValueError) in
        c.implausibleWindowSeconds = Int64(try v.seconds(in: 1...604_800))
    },
    "handoff.enabled": { c, v throws(ConfigValueError) in c.handoffEnabled = try v.boolean() },
    "handoff.topic": { c, v throws(ConfigValueError) in
        let topic = try v.nonEmpty()
        guard !topic.contains("+"), !topic.contains("#") else { throw ConfigValueError("a publish topic cannot contain '+' or '#'") }
        c.handoffTopic = topic
    },
    "handoff.resident_fields": { c, v throws(ConfigValueError) in
        var fields: Set<RegistryField> = []
        for name in v.text.split(separator: ",").map({ $0.trimmingWhitespace() }) where !name.isEmpty {
            guard let field = EventRecord.residentFields.first(where: { $0.column == name || $0.column == "resident_" + name }) else {
                let known = EventRecord.residentFields.map(\.column).joined(separator: ", ")
                throw ConfigValueError("'\(name)' is not a resident field an event carries (known: \(known))")
            }
            fields.insert(field)
        }
        c.handoffResidentFields = fields
    },
    "handoff.qos": { c, v throws(ConfigValueError) in c.handoffQoS = try v.integer(in: 0...2) },
    "handoff.batch": { c, v throws(ConfigValueError) in c.handoffBatch = try v.integer(in: 1...100_000) },
    "site.time_zone": { c, v throws(ConfigValueError) in
        let name = try v.nonEmpty()
        do throws(ZoneInfo.LoadError) {
            _ = try ZoneInfo.named(name)
        } catch {
            throw ConfigValueError("unknown time zone '\(name)': use an IANA name of tzdata (\(ZoneInfo.zoneDirectory())) such as Asia/Shanghai")
        }
        c.siteTimeZone = name
    },
    "silences.max_duration": { c, v throws(ConfigValueError) in c.silenceMaxDurationSeconds = try v.seconds(in: 60...31_536_000) },
    "status.interval": { c, v throws(ConfigValueError) in c.statusIntervalSeconds = try v.seconds(in: 0.5...3_600) },
    "status.metrics_file": { c, v throws(ConfigValueError) in
        c.metricsFile = v.text.isEmpty || v.text == "none" ? nil : try v.path()
    },
    "notify.notifiers": { c, v throws(ConfigValueError) in
        c.notifiersPath = v.text.isEmpty || v.text == "none" ? nil : try v.path()
    },
    "api.socket": { c, v throws(ConfigValueError) in
        guard !(v.text.isEmpty || v.text == "none") else {
            c.apiSocketPath = nil
            return
        }
        let path = try v.path()
        guard UnixSocketAddress(path: path) != nil else {
            throw ConfigValueError("socket path '\(path)' is too long for a Unix socket (at most 107 bytes)")
        }
        c.apiSocketPath = path
    },
    "api.staff": { c, v throws(ConfigValueError) in c.staffDirectoryPath = try v.path() },
    "remote.enabled": { c, v throws(ConfigValueError) in c.remoteEnabled = try v.boolean() },
    "remote.host": { c, v throws(ConfigValueError) in c.remoteBroker.host = try v.nonEmpty() },
    "remote.port": { c, v throws(ConfigValueError) in c.remoteBroker.port = try v.integer(in: 1...65_535) },
    "remote.client_id": { c, v throws(ConfigValueError) in c.remoteBroker.clientID = try v.nonEmpty() },
    "remote.username": { c, v throws(ConfigValueError) in c.remoteBroker.username = try v.nonEmpty() },
    "remote.password_file": { c, v throws(ConfigValueError) in c.remoteBroker.password = try v.secret(fromFile: try v.path()) },
    "remote.tls_ca_file": { c, v throws(ConfigValueError) in c.remoteBroker.tls = TLSOptions(caFile: try v.path()) },
    "log.level": { c, v throws(ConfigValueError) in
        guard let level = LogLevel(name: v.text) else {
            throw ConfigValueError("unknown log level '\(v.text)'; use error, warning, info or debug")
        }
        c.logLevel = level
    },
    "shutdown.timeout": { c, v throws(ConfigValueError) in c.shutdownTimeoutSeconds = try v.seconds(in: 1...600) },
]

/// The shipped payload schema with the declarations of `file` on top.
private func loadPayloadSchema(_ file: String) throws(ConfigValueError) -> PayloadSchema {
    guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
        throw ConfigValueError("cannot read the payload schema \(file)")
    }
    do throws(PayloadSchema.ParseError) {
        return try PayloadSchema.shipped.adding(text: text, file: file)
    } catch {
        throw ConfigValueError("the payload schema has errors:\n" + error.description)
    }
}

/// Whether `filter` is a syntactically valid MQTT subscription filter.
func isValidSubscriptionFilter(_ filter: String) -> Bool {
    guard !filter.isEmpty else { return false }
    let levels = filter.split(separator: "/", omittingEmptySubsequences: false)
    for (index, level) in levels.enumerated() {
        if level.contains("#") && (level != "#" || index != levels.count - 1) { return false }
        if level.contains("+") && level != "+" { return false }
    }
    return true
}
