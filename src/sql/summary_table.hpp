// The tables read from the store's summary families (executions,
// event_types): small, keyed by their first column, listed whole.
//
//   idxNum  plan   reads                          argv
//   1       one    Traits::get(key)               [0]: the key (column 0 =)
//   2       all    Traits::list()                 (none), ordered by the key
//
// The key constraint is not omitted (SQLite re-checks it), and is used only
// under the BINARY collation; ORDER BY key ascending is consumed.
//
// Traits supplies: `Row`; `kSchema`; `static Status list(const Store&,
// std::vector<Row>*)`; `static Status get(const Store&, std::string_view key,
// Row*)` (NotFound for no row); `static void column(const Row&,
// sqlite3_context*, int col)`.
#pragma once

#include <string>
#include <vector>

#include "sql/table_base.hpp"

namespace streamll::sql::detail {

template <typename Traits>
class SummaryTable {
 public:
  static const sqlite3_module* module() {
    static const sqlite3_module m = read_only_module<Cursor>({connect, best_index, filter, next, eof, column, rowid});
    return &m;
  }

 private:
  enum Plan { kOne = 1, kAll = 2 };

  struct Cursor : sqlite3_vtab_cursor {
    std::vector<typename Traits::Row> rows;
    size_t pos = 0;
  };

  static int connect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out, char** err) {
    return connect_table(db, aux, argc, argv, Traits::kSchema, out, err);
  }

  static int best_index(sqlite3_vtab*, sqlite3_index_info* info) {
    info->idxNum = kAll;
    info->estimatedCost = 1e4;
    info->estimatedRows = 1e4;
    for (int i = 0; i < info->nConstraint; ++i) {
      const auto& c = info->aConstraint[i];
      const char* collation = sqlite3_vtab_collation(info, i);
      if (c.usable && c.iColumn == 0 && c.op == SQLITE_INDEX_CONSTRAINT_EQ &&
          (collation == nullptr || sqlite3_stricmp(collation, "BINARY") == 0)) {
        info->aConstraintUsage[i].argvIndex = 1;
        info->idxNum = kOne;
        info->estimatedCost = 1;
        info->estimatedRows = 1;
        info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
        break;
      }
    }
    info->orderByConsumed =
        info->idxNum == kOne || (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == 0 && !info->aOrderBy[0].desc);
    return SQLITE_OK;
  }

  static int filter(sqlite3_vtab_cursor* base, int idx_num, const char*, int argc, sqlite3_value** argv) {
    auto* cur = static_cast<Cursor*>(base);
    auto* table = static_cast<TableBase*>(cur->pVtab);
    cur->rows.clear();
    cur->pos = 0;
    Status s;
    if (idx_num == kOne && argc == 1) {
      if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return SQLITE_OK;  // = NULL matches nothing
      const auto* key = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
      typename Traits::Row one;
      s = Traits::get(*table->store, std::string_view(key, static_cast<size_t>(sqlite3_value_bytes(argv[0]))), &one);
      if (s.ok()) cur->rows.push_back(std::move(one));
      if (s.is_not_found()) s = Status::ok_status();
    } else {
      s = Traits::list(*table->store, &cur->rows);
    }
    return s.ok() ? SQLITE_OK : status_error(table, s);
  }

  static int next(sqlite3_vtab_cursor* base) {
    ++static_cast<Cursor*>(base)->pos;
    return SQLITE_OK;
  }

  static int eof(sqlite3_vtab_cursor* base) {
    const auto* cur = static_cast<Cursor*>(base);
    return cur->pos >= cur->rows.size() ? 1 : 0;
  }

  static int column(sqlite3_vtab_cursor* base, sqlite3_context* ctx, int col) {
    const auto* cur = static_cast<Cursor*>(base);
    Traits::column(cur->rows[cur->pos], ctx, col);
    return SQLITE_OK;
  }

  static int rowid(sqlite3_vtab_cursor* base, sqlite3_int64* out) {
    *out = static_cast<sqlite3_int64>(static_cast<Cursor*>(base)->pos);
    return SQLITE_OK;
  }
};

// sqlite3_result_text of a copy of `s`.
inline void result_text(sqlite3_context* ctx, std::string_view s) {
  sqlite3_result_text(ctx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

}  // namespace streamll::sql::detail
