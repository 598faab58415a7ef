import Daemon
print("lookout \(lookoutVersion)")
