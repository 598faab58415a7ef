import Daemon
print("lookout-sim \(lookoutVersion)")
