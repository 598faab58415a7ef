import Daemon
print("lookoutd \(lookoutVersion)")
