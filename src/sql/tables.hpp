// The sqlite3_module of each streamll virtual table.
#pragma once

#include "sql/sqlite_api.hpp"

namespace streamll::sql::detail {

const sqlite3_module* events_module();      // events_table.cpp
const sqlite3_module* executions_module();  // executions_table.cpp
const sqlite3_module* event_types_module();  // event_types_table.cpp

}  // namespace streamll::sql::detail
