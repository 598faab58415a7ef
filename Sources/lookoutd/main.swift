import Daemon
import Glibc

exit(LookoutDaemon.main(arguments: Array(CommandLine.arguments.dropFirst())))
