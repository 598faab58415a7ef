import FoundationEssentials
import Rules

/// SIGHUP: rule files, the registry and the notifier configuration are read and compiled on a queue of their
/// own while the loop thread goes on taking messages; the loop thread then swaps in rules and registry
/// together, between two batches. The rules are checked against the new registry's columns, so they are
/// only good with it: if either is refused, both old ones stay in force (a refused registry never leaves
/// rules running that name columns only it has).
extension IngestService {
    /// What a reload read, compiled off the loop thread.
    struct FinishedReload: Sendable {
        /// Rules and registry.
        var loaded: LoadedRules
        /// The notifier configuration (nil: none configured).
        var notifiers: Result<NotifierConfiguration, ConfigurationError>?
    }

    /// On every tick: swaps in a reload that finished, and starts one that was asked for (SIGHUP) unless one
    /// is under way already (then it starts after that one, reading the files again).
    func reloadIfRequested() {
        if SignalState.takeReloadRequest() { reloadRequested = true }
        if let finished = finishedReload.withLock({ $0.take() }) {
            reloadInFlight = false
            apply(finished)
        }
        guard reloadRequested, !reloadInFlight else { return }
        reloadRequested = false
        reloadInFlight = true
        notifier.reloading()
        log.info("reloading rules and registry (SIGHUP)")
        reloadQueue.async { [self] in
            let loaded = RuleLoader.load(configuration)
            var notifiers: Result<NotifierConfiguration, ConfigurationError>?
            if let path = configuration.notifiersPath {
                do throws(ConfigurationError) {
                    notifiers = .success(try NotifierConfiguration.load(path: path))
                } catch {
                    notifiers = .failure(error)
                }
            }
            finishedReload.withLock { $0 = FinishedReload(loaded: loaded, notifiers: notifiers) }
        }
    }

    /// Swaps in what a reload read, on the loop thread: rules and registry both or neither.
    private func apply(_ reload: FinishedReload) {
        let loaded = reload.loaded
        lastRuleErrors = loaded.ruleErrorCount
        lastRegistryErrors = loaded.registry == nil ? max(loaded.registryErrors.count, 1) : 0
        if let ruleSet = loaded.ruleSet, let registry = loaded.registry {
            do {
                try pipeline.replace(ruleSet: ruleSet, registry: registry)
            } catch {
                log.error("registry reloaded but could not be mirrored into the database: \(error)")
            }
            registryMirror.request(registry, at: pipeline.clock())
            log.info("rules reloaded: \(ruleSet.ruleNames.count) rules"
                     + (loaded.ruleWarningCount > 0 ? ", \(loaded.ruleWarningCount) warning(s)" : ""))
            if loaded.ruleWarningCount > 0 { logDiagnostics(loaded.renderedDiagnostics, level: .warning) }
            log.info("registry reloaded: \(registry.count) devices")
            for warning in registry.warnings { log.warning(warning.warningDescription) }
        } else {
            logRefusal(loaded)
        }
        if let notifiers = reload.notifiers { apply(notifiers) }
        notifier.ready(status: "reloaded, \(pipeline.ruleSet.ruleNames.count) rules")
    }

    /// Says why rules and registry were not swapped in, and what stays in force.
    private func logRefusal(_ loaded: LoadedRules) {
        let rules = pipeline.ruleSet.ruleNames.count, devices = pipeline.registry.count
        if loaded.ruleSet == nil {
            log.error("rule reload refused, \(loaded.ruleErrorCount) error(s); keeping the \(rules) rules in force")
            logDiagnostics(loaded.renderedDiagnostics, level: .error)
        } else {
            log.error("rule reload refused: the registry reload failed and rules are only swapped in with their registry; keeping the \(rules) rules in force")
        }
        if loaded.registry == nil {
            log.error("registry reload refused; keeping the \(devices) devices in force")
            for line in loaded.registryErrors { log.error(line) }
        } else {
            log.error("registry reload refused: the rules have errors and the registry is only swapped in with its rules; keeping the \(devices) devices in force")
        }
    }

    /// Swaps in a notifier configuration read without errors; one with errors keeps the one in force.
    private func apply(_ notifiers: Result<NotifierConfiguration, ConfigurationError>) {
        switch notifiers {
        case .success(let loaded):
            notification.replace(loaded)
            store.notificationPolicy = loaded.policy
            lastNotifierErrors = 0
            log.info("notifiers reloaded: \(loaded.notifiers.count) notifiers for \(loaded.teams.count) teams")
        case .failure(let error):
            lastNotifierErrors = max(error.issues.count, 1)
            log.error("notifier reload refused, \(error.issues.count) error(s); keeping the \(notification.configuration.notifiers.count) notifiers in force")
            for issue in error.issues { log.error(issue.description) }
        }
    }
}
