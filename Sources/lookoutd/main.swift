import Daemon
import Foundation

exit(LookoutDaemon.main(arguments: Array(CommandLine.arguments.dropFirst())))
