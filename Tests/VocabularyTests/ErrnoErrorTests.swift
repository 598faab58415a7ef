#if canImport(Glibc)
import Glibc
#endif
import Testing
import Vocabulary

/// The one conversion of `errno` into an error and its text.
@Suite struct ErrnoErrorTests {
    @Test func carriesTheCodeAndTheSystemText() {
        let error = ErrnoError(errno: ENOENT, operation: "cannot open /nonexistent")
        #expect(error.code == ENOENT)
        #expect(error.reason == String(cString: strerror(ENOENT)))
        #expect(error.description == "cannot open /nonexistent: " + String(cString: strerror(ENOENT)))
        #expect(ErrnoError(errno: EACCES).description == String(cString: strerror(EACCES)))
    }

    @Test func readsTheCurrentErrnoOfAFailedCall() {
        #expect(close(-1) == -1)
        let error = ErrnoError(operation: "close")
        #expect(error.code == EBADF)
    }
}
