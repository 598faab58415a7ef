#ifndef LOOKOUT_CSQLITE_SHIM_H
#define LOOKOUT_CSQLITE_SHIM_H
#include <sqlite3.h>

/// Turns off SQLite's memory statistics (SQLITE_CONFIG_MEMSTATUS), which take a process-wide mutex on every
/// allocation and free. `sqlite3_config` is variadic, so Swift cannot call it directly. Must run before the
/// library is initialised (the first connection opened); returns SQLITE_MISUSE afterwards.
static inline int lookout_sqlite3_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
#endif
