import Foundation

exit(LookoutCLI.main(Array(CommandLine.arguments.dropFirst())))
