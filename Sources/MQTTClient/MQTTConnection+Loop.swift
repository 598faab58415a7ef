import CMosquitto
#if canImport(Glibc)
import Glibc
#endif

extension MQTTConnection {
    /// Connects, subscribes to `subscriptions` (filter, QoS) on every (re)connect, and delivers batches to
    /// `consumer` until `stop()` is called. Reconnects with backoff when the broker goes away.
    ///
    /// Each pass reads what the socket has (at most `maxBatchSize` messages or `maxBatchReadTime`
    /// seconds), hands it to `consumer.mqttDidReceive`, and only then writes the queued acknowledgements.
    /// Throws only for settings that can never work; connection problems are retried.
    public func run(subscriptions: [(filter: String, qos: Int)], consumer: MQTTConsumer, tickInterval: Double = 0.2) throws(MQTTError) {
        for subscription in subscriptions {
            guard (0...2).contains(subscription.qos), !subscription.filter.isEmpty,
                  mosquitto_sub_topic_check(subscription.filter) == Int32(MOSQ_ERR_SUCCESS.rawValue) else {
                throw MQTTError(code: Int32(MOSQ_ERR_INVAL.rawValue),
                                message: "invalid subscription \(subscription.filter) (QoS \(subscription.qos)): "
                                    + "a filter needs '+' and '#' as whole levels, '#' last, and QoS 0, 1 or 2")
            }
        }
        guard (1...65535).contains(options.port) else {
            throw MQTTError(code: -1, message: "port \(options.port) is out of range")
        }
        guard options.keepAliveSeconds == 0 || (5...65535).contains(options.keepAliveSeconds) else {
            throw MQTTError(code: -1, message: "keepalive must be 0 (off) or 5…65535 seconds, not \(options.keepAliveSeconds)")
        }
        guard beginRun() else {
            throw MQTTError(code: -1, message: "this connection is already running")
        }
        defer { endRun() }
        self.subscriptions = subscriptions
        var ticker = Ticker(interval: tickInterval, consumer: consumer)
        var backoff = ReconnectBackoff(minimum: options.reconnectDelayMin, maximum: options.reconnectDelayMax)
        var outageReported = false
        while !stopRequested {
            pass = ReadPass()
            _ = takeLibraryLog()  // only this attempt's log explains its failure
            captureLibraryLog(true)
            let rc = startConnect()
            let outcome: SessionOutcome
            if rc == Int32(MOSQ_ERR_SUCCESS.rawValue) {
                outcome = runSession(consumer: consumer, ticker: &ticker, outageReported: &outageReported)
            } else {
                outcome = .lost(reason: "cannot connect to \(options.host):\(options.port): \(describeWithLibraryLog(rc))",
                                healthy: false)
            }
            guard case .lost(let reason, let healthy) = outcome else { return }
            if !outageReported {
                consumer.mqttDidDisconnect(reason: reason)
                outageReported = true
            }
            if healthy { backoff.reset() }
            pause(seconds: backoff.nextDelay(), ticker: &ticker)
        }
    }

    /// Opens the socket without blocking and queues CONNECT, so ticks go on while a host that drops
    /// packets keeps the TCP handshake pending; libmosquitto's keepalive check (`mosquitto_loop_misc`)
    /// gives up when no CONNACK came within `keepAliveSeconds`. Host names are resolved synchronously.
    private func startConnect() -> Int32 {
        mosquitto_connect_async(handle, options.host, Int32(options.port), Int32(options.keepAliveSeconds))
    }

    /// How one connection ended.
    enum SessionOutcome {
        /// `stop()` was called; the connection was closed cleanly.
        case stopped
        /// The connection is gone. `healthy`: it was fully up and every batch committed (backoff restarts).
        case lost(reason: String, healthy: Bool)
    }

    /// Drives one connection from CONNECT until it is lost or stopped.
    private func runSession(consumer: MQTTConsumer, ticker: inout Ticker, outageReported: inout Bool) -> SessionOutcome {
        var isUp = false
        while true {
            let socket = mosquitto_socket(handle)
            guard socket >= 0 else {
                return .lost(reason: lossReason(), healthy: isUp)
            }
            if stopRequested {
                disconnectCleanly()
                if isUp { consumer.mqttDidDisconnect(reason: "stopped") }
                return .stopped
            }
            if waitForSocket(socket, timeout: min(ticker.secondsUntilDue, 1)) {
                readPass()
            }
            if pass.subscribed && !isUp {
                isUp = true
                outageReported = false
                captureLibraryLog(false)
                consumer.mqttDidConnect(sessionPresent: pass.sessionPresent)
            }
            if !pass.batch.isEmpty {
                let batch = pass.batch
                pass.batch.removeAll(keepingCapacity: true)
                do {
                    try consumer.mqttDidReceive(batch)
                } catch {
                    // The acknowledgements of this batch are queued, not sent: drop the connection so they
                    // never leave (libmosquitto discards its packet queue on reconnect); the broker redelivers.
                    abortConnection()
                    return .lost(reason: "a batch of \(batch.count) messages was not committed (\(error)); reconnecting for redelivery",
                                 healthy: false)
                }
            }
            if pass.failure != nil, mosquitto_socket(handle) >= 0 {
                abortConnection()
                return .lost(reason: lossReason(), healthy: false)
            }
            if mosquitto_socket(handle) >= 0 {
                if mosquitto_want_write(handle) { _ = mosquitto_loop_write(handle, 1) }
                _ = mosquitto_loop_misc(handle)
            }
            ticker.tickIfDue()
        }
    }

    /// The readable cause of the current loss, naming the broker.
    private func lossReason() -> String {
        let detail = pass.failure ?? "connection lost"
        if pass.connackAccepted {
            return "connection to \(options.host):\(options.port) lost: \(detail)"
        }
        return "cannot connect to \(options.host):\(options.port): \(detail)"
    }

    /// Polls the socket (readable; writable when libmosquitto has output) and the wake pipe.
    /// Returns whether the socket has something to read (or hung up).
    private func waitForSocket(_ socket: Int32, timeout: Double) -> Bool {
        let socketEvents = Int16(POLLIN) | (mosquitto_want_write(handle) ? Int16(POLLOUT) : 0)
        var entries = [pollfd(fd: socket, events: socketEvents, revents: 0),
                       pollfd(fd: wakePipe.readEnd, events: Int16(POLLIN), revents: 0)]
        guard poll(&entries, 2, Int32(max(0, timeout) * 1000)) > 0 else { return false }
        if entries[1].revents != 0 { wakePipe.drain() }
        // A TLS handshake started on a pending TCP connection waits for writability, but libmosquitto
        // 2.0.11 continues it only from mosquitto_loop_read (its write path skips packets until the
        // handshake is done): before CONNACK, writable counts as "go read".
        let continuesHandshake = options.tls != nil && !pass.connackAccepted
        let ready = Int16(POLLIN | POLLHUP | POLLERR) | (continuesHandshake ? Int16(POLLOUT) : 0)
        return entries[0].revents & ready != 0
    }

    /// Reads packets while they bring messages, up to the batch limits. Callbacks fill `pass`.
    ///
    /// The socket was readable when the pass started. A call that delivers no message (the socket is empty,
    /// only part of a packet has arrived, or the packet was an acknowledgement) ends the pass: the run loop's
    /// poll sees what comes next. No poll per packet: a message costs the reads libmosquitto makes, nothing more.
    private func readPass() {
        let started = monotonicSeconds()
        while true {
            // libmosquitto 2.0.11 ignores max_packets (it reads as many packets as it has QoS>0 messages
            // in flight, at least one), so the batch limits are enforced here, one call per packet.
            let delivered = pass.batch.count
            let rc = mosquitto_loop_read(handle, 1)
            if rc != Int32(MOSQ_ERR_SUCCESS.rawValue) || mosquitto_socket(handle) < 0 {
                if pass.failure == nil { pass.failure = describeWithLibraryLog(rc) }
                return
            }
            if pass.batch.count == delivered { return }
            if pass.batch.count >= maxBatchSize || monotonicSeconds() - started >= maxBatchReadTime { return }
        }
    }

    /// Drops the connection without writing anything queued (the acknowledgements of an uncommitted batch).
    /// The descriptor stays libmosquitto's; it is closed and its queue discarded on the next connect.
    /// Asks libmosquitto for the descriptor each time: a number it already closed may belong to another
    /// socket of the process by now.
    private func abortConnection() {
        let socket = mosquitto_socket(handle)
        guard socket >= 0 else { return }
        shutdown(socket, Int32(SHUT_RDWR))
    }

    /// Sends DISCONNECT after everything already queued (acknowledgements of committed batches),
    /// waiting at most two seconds for the socket to take it.
    private func disconnectCleanly() {
        _ = mosquitto_disconnect(handle)
        let deadline = monotonicSeconds() + 2
        while mosquitto_want_write(handle), monotonicSeconds() < deadline {
            let socket = mosquitto_socket(handle)
            guard socket >= 0 else { return }
            _ = pollOne(socket, events: Int16(POLLOUT), timeout: 0.1)
            guard mosquitto_loop_write(handle, 1) == Int32(MOSQ_ERR_SUCCESS.rawValue) else { return }
        }
    }

    /// Waits `seconds` before a reconnect attempt, still ticking and returning early on `stop()`.
    private func pause(seconds: Double, ticker: inout Ticker) {
        let deadline = monotonicSeconds() + seconds
        while !stopRequested {
            let remaining = deadline - monotonicSeconds()
            if remaining <= 0 { return }
            if pollOne(wakePipe.readEnd, events: Int16(POLLIN), timeout: min(remaining, ticker.secondsUntilDue)) != 0 {
                wakePipe.drain()
            }
            ticker.tickIfDue()
        }
    }
}

/// Calls `mqttTick` every `interval` seconds (public for `lookout-bench pipeline`, which ticks the pipeline
/// between batches as `run` does).
public struct Ticker {
    /// Seconds between ticks.
    public let interval: Double
    /// Who gets the ticks.
    let consumer: MQTTConsumer
    private var due: Double

    /// The first tick is due one interval from now.
    public init(interval: Double, consumer: MQTTConsumer) {
        self.interval = max(0.001, interval)
        self.consumer = consumer
        self.due = monotonicSeconds() + self.interval
    }

    /// Seconds until the next tick (0 when overdue).
    var secondsUntilDue: Double { max(0, due - monotonicSeconds()) }

    /// Ticks if due; the next tick is due one interval later.
    public mutating func tickIfDue() {
        let now = monotonicSeconds()
        guard now >= due else { return }
        consumer.mqttTick()
        due = max(due + interval, now)
    }
}
