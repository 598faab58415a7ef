import FoundationEssentials
import Glibc
import Vocabulary

exit(LookoutCLI.main(Array(CommandLine.arguments.dropFirst())))
