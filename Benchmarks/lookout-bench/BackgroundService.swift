import Daemon
import Dispatch
import Vocabulary

/// One daemon `Service` run on a thread of its own while a benchmark drives the pipeline, as lookoutd's
/// `ServiceGroup` runs it beside the ingest service.
final class BackgroundService: Sendable {
    private let service: any Service
    private let finished = DispatchSemaphore(value: 0)

    /// Starts `service.run()` on a new thread.
    init(_ service: any Service) {
        self.service = service
        let finished = finished
        do {
            try DetachedThread.start(name: service.name) {
                try? service.run()
                finished.signal()
            }
        } catch {
            fatalError("lookout-bench: \(error)")
        }
    }

    /// Asks the service to stop and waits until its `run()` has returned.
    func stop() {
        service.shutdown()
        finished.wait()
    }
}
