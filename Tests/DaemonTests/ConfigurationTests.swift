import Daemon
import EventCore
import Foundation
import LookoutTestSupport
import Testing

@Suite struct ConfigurationTests {
    @Test func shippedConfigurationParsesWithPathsRelativeToItsDirectory() throws {
        let path = packageDirectory + "/config/lookoutd.conf"
        let configuration = try DaemonConfiguration.load(path: path, environment: [:])
        #expect(configuration.databasePath == packageDirectory + "/config/lookout.db")
        #expect(configuration.rulePaths == [packageDirectory + "/config/rules.d"])
        #expect(configuration.registryPath == packageDirectory + "/config/devices.csv")
        #expect(configuration.broker.clientID == "lookoutd")
        #expect(configuration.effectiveSubscriptions == ["+/+/+/+"])
        #expect(configuration.deadlines.acknowledgeWithinSeconds[.red] == 120)
        #expect(configuration.deadlines.onsiteWithinSeconds[.red] == 900)
        #expect(configuration.deadlines.onsiteWithinSeconds[.green] == nil)
        #expect(configuration.handoffTopic == "lookout/events/{level}/{id}")
        // Staff read and act through lookoutd's socket: the shipped configuration keeps the database to lookoutd.
        #expect(configuration.databaseFileMode == 0o600)
        #expect(configuration.storeOptions.newFileMode == 0o600)
    }

    @Test func storageSettingsAreParsedAndBadFileModesRefused() throws {
        let defaults = DaemonConfiguration()
        #expect(defaults.databaseFileMode == 0o640)
        #expect(defaults.changeRetentionSeconds == 7 * 86_400)
        let configuration = try DaemonConfiguration.parse("[storage]\nfile_mode = 0660\nchange_retention = 2d\n", path: "s.conf")
        #expect(configuration.databaseFileMode == 0o660)
        #expect(configuration.storeOptions.newFileMode == 0o660)
        #expect(configuration.changeRetentionSeconds == 2 * 86_400)
        for bad in ["rw-rw----", "0666", "0400", "4660", "0698", ""] {
            #expect(throws: ConfigurationError.self, "file_mode = \(bad)") {
                _ = try DaemonConfiguration.parse("[storage]\nfile_mode = \(bad)\n", path: "s.conf")
            }
        }
    }

    @Test func deviceTimeBoundsAreParsedAndOutOfRangeRefused() throws {
        let defaults = DaemonConfiguration().deviceTime
        #expect(defaults.maxFutureMillis == 300_000)
        #expect(defaults.maxAgeMillis == 7 * 86_400_000)
        let configuration = try DaemonConfiguration.parse("[device_time]\nmax_future = 30s\nmax_age = 2d\n", path: "t.conf")
        #expect(configuration.deviceTime.maxFutureMillis == 30_000)
        #expect(configuration.deviceTime.maxAgeMillis == 2 * 86_400_000)
        for bad in ["max_future = 2d", "max_age = 10s", "max_age = soon"] {
            #expect(throws: ConfigurationError.self, "\(bad)") {
                _ = try DaemonConfiguration.parse("[device_time]\n\(bad)\n", path: "t.conf")
            }
        }
    }

    @Test func valuesOfEveryKindAreParsed() throws {
        let text = """
            # comment
            [broker]
            host = "broker.example # not a comment"
            port = 8883   # comment
            keepalive = 1m
            reconnect_min = 500ms
            reconnect_max = 2m
            tls_ca_file = certs/ca.pem
            [topics]
            layout = site/{community}/{kind}/{device}/{channel}
            subscribe = site/+/smoke/#, site/+/sos/#
            qos = 0
            [limits]
            max_payload_bytes = 4_096
            [log]
            level = debug
            [deadlines]
            red_ack = 90s
            yellow_onsite = none
            """
        let configuration = try DaemonConfiguration.parse(text, path: "/etc/lookout/test.conf")
        #expect(configuration.storeOptions.deadlines.acknowledgeWithinSeconds[.red] == 90)
        #expect(configuration.storeOptions.deadlines.onsiteWithinSeconds[.yellow] == nil)
        #expect(configuration.storeOptions.deadlines.onsiteWithinSeconds[.red] == 900)
        #expect(configuration.broker.host == "broker.example # not a comment")
        #expect(configuration.broker.port == 8883)
        #expect(configuration.broker.keepAliveSeconds == 60)
        #expect(configuration.broker.reconnectDelayMin == 0.5)
        #expect(configuration.broker.reconnectDelayMax == 120)
        #expect(configuration.broker.tls?.caFile == "/etc/lookout/certs/ca.pem")
        #expect(configuration.layout.match("site/c01/smoke/SD-1/event")?["device"] == "SD-1")
        #expect(configuration.effectiveSubscriptions == ["site/+/smoke/#", "site/+/sos/#"])
        #expect(configuration.subscriptionQoS == 0)
        #expect(configuration.jsonLimits.maxBytes == 4096)
        #expect(configuration.logLevel == .debug)
    }

    /// `[payloads]`: an operator's schema file on top of the shipped one, channels, the implausible-data count.
    @Test func payloadSettingsAreParsedAndABadSchemaFileIsAnError() throws {
        let directory = try TemporaryDirectory(prefix: "payloads-config")
        try "[smoke]\ntemperature_c = number -60..200\n[gas_meter]\nflow_m3h = number 0..100\n"
            .write(toFile: directory.file("payloads.schema"), atomically: true, encoding: .utf8)
        let configuration = try DaemonConfiguration.parse("""
            [payloads]
            schema = payloads.schema
            channels = telemetry, event, status, alarm
            implausible_count = 5
            implausible_window = 30m
            """, path: directory.file("lookoutd.conf"))
        let schema = configuration.payloadSchema
        #expect(schema.kinds.map(\.name) == ["manhole", "smoke", "door", "sos", "gas_meter"])
        #expect(schema.field("temperature_c", kind: try #require(schema.kindIndex("smoke")))?.range == -60...200)
        #expect(configuration.knownChannels == ["telemetry", "event", "status", "alarm"])
        #expect(configuration.implausibleCount == 5)
        #expect(configuration.implausibleWindowSeconds == 1_800)
        #expect(DaemonConfiguration().payloadSchema == .shipped)

        try "[smoke]\ntemperature_c = hot\n".write(toFile: directory.file("bad.schema"), atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) {
            try DaemonConfiguration.parse("[payloads]\nschema = bad.schema\n", path: directory.file("lookoutd.conf"))
        }
    }

    @Test func everyErrorIsReportedWithItsLine() {
        let text = """
            [broker]
            port = 99999
            hots = localhost
            port = 1883
            [nowhere]
            key = 1
            [topics]
            layout = {community}/{channel}
            subscribe = a/#/b
            just text
            [status]
            interval = soon
            """
        #expect {
            _ = try DaemonConfiguration.parse(text, path: "bad.conf")
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            let lines = error.issues.map(\.line)
            #expect(lines == [2, 3, 4, 5, 8, 9, 10, 12])
            #expect(error.issues[0].description == "bad.conf:2: error: port must be between 1 and 65535, not 99999")
            #expect(error.issues[1].message.contains("unknown key 'hots'"))
            #expect(error.issues[2].message.contains("duplicate key 'port'"))
            #expect(error.issues[3].message.contains("unknown section [nowhere]"))
            #expect(error.issues[4].message.contains("{kind}"))
            #expect(error.issues[6].message == "expected 'key = value'")
            #expect(error.issues[7].message.contains("duration"))
            return true
        }
    }

    @Test func theRemoteAPIIsOffByDefaultAndItsOwnConnectionIsMQTT5() throws {
        #expect(try DaemonConfiguration.parse("[broker]\nport = 1883\n", path: "r.conf").remoteEnabled == false)
        let directory = try TemporaryDirectory()
        try "api pw\n".write(toFile: directory.file("remote-password"), atomically: true, encoding: .utf8)
        let configuration = try DaemonConfiguration.parse("""
            [remote]
            enabled = true
            host = broker.example.org
            port = 8883
            username = lookoutd
            password_file = ${CREDENTIALS_DIRECTORY}/remote-password
            tls_ca_file = /etc/lookout/ca.pem
            """, path: "/x/lookoutd.conf", environment: ["CREDENTIALS_DIRECTORY": directory.path])
        #expect(configuration.remoteEnabled)
        let remote = configuration.remoteBroker
        #expect(remote.host == "broker.example.org" && remote.port == 8883 && remote.username == "lookoutd")
        #expect(remote.password == "api pw" && remote.tls?.caFile == "/etc/lookout/ca.pem")
        #expect(remote.protocolVersion == .v5 && remote.clientID == "lookoutd-api")
        // The device session is untouched: MQTT 3.1.1, its own client id.
        #expect(configuration.broker.protocolVersion == .v311 && configuration.broker.clientID == "lookoutd")
    }

    @Test func passwordComesFromAFileNamedThroughTheEnvironmentAndIsNeverShown() throws {
        let directory = try TemporaryDirectory()
        try "s3cret-Ω\n".write(toFile: directory.file("mqtt-password"), atomically: true, encoding: .utf8)
        let text = """
            [broker]
            username = lookoutd
            password_file = ${CREDENTIALS_DIRECTORY}/mqtt-password
            """
        let configuration = try DaemonConfiguration.parse(text, path: "/x/lookoutd.conf",
                                                          environment: ["CREDENTIALS_DIRECTORY": directory.path])
        #expect(configuration.broker.password == "s3cret-Ω")
        #expect(configuration.passwordFile == directory.file("mqtt-password"))

        #expect {
            _ = try DaemonConfiguration.parse(text, path: "/x/lookoutd.conf", environment: [:])
        } throws: { error in
            "\(error)".contains("${CREDENTIALS_DIRECTORY}") && "\(error)".contains("not set")
        }
        try "".write(toFile: directory.file("mqtt-password"), atomically: true, encoding: .utf8)
        #expect {
            _ = try DaemonConfiguration.parse(text, path: "/x/lookoutd.conf", environment: ["CREDENTIALS_DIRECTORY": directory.path])
        } throws: { error in
            "\(error)".contains("is empty")
        }
    }

    @Test func timelineKeyComesFromTheCredentialOrTheSettingAndReachesTheStore() throws {
        let directory = try TemporaryDirectory()
        let credential: [UInt8] = Array(0..<32)
        let own: [UInt8] = Array(repeating: 9, count: 20)
        #expect(FileManager.default.createFile(atPath: directory.file("timeline-key"), contents: Data(credential)))
        #expect(FileManager.default.createFile(atPath: directory.file("own.key"), contents: Data(own)))
        let environment = ["CREDENTIALS_DIRECTORY": directory.path]
        let fromCredential = try DaemonConfiguration.parse("[storage]\ndatabase = /x/events.db\n", path: "/x/lookoutd.conf",
                                                           environment: environment)
        #expect(fromCredential.timelineKey == credential && fromCredential.storeOptions.timelineKey == credential)
        #expect(fromCredential.timelineKeySource == directory.file("timeline-key"))
        // The setting wins over the credential.
        let fromSetting = try DaemonConfiguration.parse("[storage]\ntimeline_key_file = \(directory.file("own.key"))\n",
                                                        path: "/x/lookoutd.conf", environment: environment)
        #expect(fromSetting.ingestStoreOptions.timelineKey == own)
        // Neither: an unkeyed chain (lookoutd warns at start).
        let none = try DaemonConfiguration.parse("[storage]\ndatabase = /x/events.db\n", path: "/x/lookoutd.conf", environment: [:])
        #expect(none.timelineKey.isEmpty && none.timelineKeySource == nil)
        // A key too short to be one is refused, without showing it.
        #expect(FileManager.default.createFile(atPath: directory.file("timeline-key"), contents: Data([1, 2, 3])))
        #expect {
            _ = try DaemonConfiguration.parse("[storage]\ndatabase = /x/events.db\n", path: "/x/lookoutd.conf", environment: environment)
        } throws: { error in
            "\(error)".contains("has 3 bytes; it needs at least 16")
        }
    }

    @Test func settingsThatDependOnEachOtherAreChecked() {
        let text = """
            [broker]
            reconnect_min = 1m
            reconnect_max = 10s
            """
        #expect {
            _ = try DaemonConfiguration.parse(text, path: "c.conf")
        } throws: { error in
            "\(error)" == "c.conf: error: [broker] reconnect_min is larger than reconnect_max"
        }
    }

    @Test func missingFileIsAClearError() {
        #expect {
            _ = try DaemonConfiguration.load(path: "/nonexistent/lookoutd.conf")
        } throws: { error in
            "\(error)" == "/nonexistent/lookoutd.conf: error: cannot read configuration file"
        }
    }
}

/// The package's root directory (for the shipped config files).
let packageDirectory: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()
