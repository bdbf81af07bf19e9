// Which SQLite the virtual tables call. The same sources are compiled twice:
// into libstreamll with SQLITE_CORE defined, calling the SQLite it links
// (the CLI's query, the dashboard, C++ programs); and into the loadable
// extension and the Python module without it, where sqlite3ext.h turns
// every sqlite3_* call into one through the routines of the SQLite that
// loaded them (the sqlite3 shell's, Python's), set by sqlite3_streamll_init
// (extension.cpp). Include this instead of <sqlite3.h> in src/sql/.
#pragma once

#include <sqlite3ext.h>

SQLITE_EXTENSION_INIT3
