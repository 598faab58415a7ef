#ifndef LOOKOUT_CSQLITE_SHIM_H
#define LOOKOUT_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
