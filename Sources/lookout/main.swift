import FoundationEssentials
import Glibc
import TerminalText
import Vocabulary

// The staff's language first: every message after this is looked up in their catalog.
Localized.start(environment: ProcessInfo.processInfo.environment)
exit(LookoutCLI.main(Array(CommandLine.arguments.dropFirst())))
