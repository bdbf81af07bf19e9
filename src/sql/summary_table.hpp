// The tables read from the store's summary families (executions,
// event_types): small, keyed by their first column, listed whole.
//
//   idxNum  plan   reads                          argv
//   1       one    Traits::get(key)               [0]: the key (column 0 =)
//   2       all    Traits::list()                 comparisons on integer columns
//
// The key constraint is not omitted (SQLite re-checks it), and is used only
// under the BINARY collation. With plan 2, comparisons (=, <, <=, >, >=) of
// an integer column with an integer value drop the rows they exclude before
// SQLite sees them (not omitted either: a value of another type is simply
// not applied), and an ORDER BY of the key and integer columns, each either
// way, is consumed: the rows are sorted here (a dashboard's "runs that
// failed lately, newest first" is then neither filtered row by row through
// xColumn nor sorted by SQLite). idxStr: two characters per argv value
// (column digit, then = < L(<=) > G(>=)), then ':' and two per ORDER BY term
// (column digit, then 'a' or 'd').
//
// Traits supplies: `static Status list(const Store&, std::vector<Row>*)` (in
// key order); `static Status get(const Store&, std::string_view key, Row*)`
// (NotFound for no row); `static std::string_view key(const Row&)`; and,
// from its columns (ColumnsOf below), `Row`, `schema()`, `column()`,
// `is_integer()` and `integer()`.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sql/table_base.hpp"
#include "store/summary_columns.hpp"

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
    return connect_table(db, aux, argc, argv, Traits::schema(), out, err);
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
        info->orderByConsumed = 1;
        return SQLITE_OK;
      }
    }
    std::string spec;
    int argv_count = 0;
    for (int i = 0; i < info->nConstraint; ++i) {
      const auto& c = info->aConstraint[i];
      const char op = op_letter(c.op);
      if (!c.usable || op == 0 || !Traits::is_integer(c.iColumn)) continue;
      info->aConstraintUsage[i].argvIndex = ++argv_count;
      spec += static_cast<char>('0' + c.iColumn);
      spec += op;
    }
    bool sortable = info->nOrderBy > 0;
    for (int i = 0; i < info->nOrderBy && sortable; ++i) {
      const int col = info->aOrderBy[i].iColumn;
      sortable = col == 0 || Traits::is_integer(col);
    }
    if (sortable) {
      spec += ':';
      for (int i = 0; i < info->nOrderBy; ++i) {
        spec += static_cast<char>('0' + info->aOrderBy[i].iColumn);
        spec += info->aOrderBy[i].desc ? 'd' : 'a';
      }
      info->orderByConsumed = 1;
    }
    if (!spec.empty()) {
      info->idxStr = sqlite3_mprintf("%s", spec.c_str());
      info->needToFreeIdxStr = 1;
    }
    return SQLITE_OK;
  }

  static int filter(sqlite3_vtab_cursor* base, int idx_num, const char* idx_str, int argc, sqlite3_value** argv) {
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
      if (s.ok() && idx_str != nullptr) arrange(idx_str, argc, argv, &cur->rows);
    }
    return s.ok() ? SQLITE_OK : status_error(table, s);
  }

  // The idxStr letter of a comparison, or 0.
  static char op_letter(unsigned char op) {
    switch (op) {
      case SQLITE_INDEX_CONSTRAINT_EQ: return '=';
      case SQLITE_INDEX_CONSTRAINT_LT: return '<';
      case SQLITE_INDEX_CONSTRAINT_LE: return 'L';
      case SQLITE_INDEX_CONSTRAINT_GT: return '>';
      case SQLITE_INDEX_CONSTRAINT_GE: return 'G';
      default: return 0;
    }
  }

  // Drops the rows that plan 2's integer comparisons exclude, then sorts
  // by its ORDER BY terms (idxStr, above).
  static void arrange(std::string_view spec, int argc, sqlite3_value** argv, std::vector<typename Traits::Row>* rows) {
    const size_t colon = std::min(spec.find(':'), spec.size());
    for (size_t k = 0; k + 1 < colon && static_cast<int>(k / 2) < argc; k += 2) {
      sqlite3_value* v = argv[k / 2];
      if (sqlite3_value_type(v) != SQLITE_INTEGER) continue;  // SQLite applies it
      const int col = spec[k] - '0';
      const char op = spec[k + 1];
      const int64_t bound = sqlite3_value_int64(v);
      std::erase_if(*rows, [&](const typename Traits::Row& r) {
        const int64_t x = Traits::integer(r, col);
        switch (op) {
          case '=': return x != bound;
          case '<': return x >= bound;
          case 'L': return x > bound;
          case '>': return x <= bound;
          default: return x < bound;  // 'G'
        }
      });
    }
    const std::string_view order = colon < spec.size() ? spec.substr(colon + 1) : std::string_view();
    if (order.empty() || order == "0a") return;  // none, or the key order list() gives
    std::stable_sort(rows->begin(), rows->end(), [order](const typename Traits::Row& a, const typename Traits::Row& b) {
      for (size_t k = 0; k + 1 < order.size(); k += 2) {
        const int col = order[k] - '0';
        int c = 0;
        if (col == 0) {
          const int r = Traits::key(a).compare(Traits::key(b));
          c = r < 0 ? -1 : (r > 0 ? 1 : 0);
        } else {
          const int64_t x = Traits::integer(a, col), y = Traits::integer(b, col);
          c = x < y ? -1 : (x > y ? 1 : 0);
        }
        if (c != 0) return order[k + 1] == 'd' ? c > 0 : c < 0;
      }
      return false;
    });
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

// A table's columns from the one definition the JSON renderings use too
// (store/summary_columns.hpp): its schema, and each column's value as SQL
// has it (booleans as 0/1, lists as JSON text).
template <typename RowT, std::span<const streamll::detail::SummaryColumn<RowT>> (*Columns)()>
struct ColumnsOf {
  using Row = RowT;
  using CellType = streamll::detail::CellType;

  static const char* schema() {
    static const std::string text = streamll::detail::table_schema(Columns());
    return text.c_str();
  }
  // False for -1, SQLite's rowid.
  static bool is_integer(int col) {
    if (col < 0 || static_cast<size_t>(col) >= Columns().size()) return false;
    const CellType t = Columns()[col].type;
    return t == CellType::kInteger || t == CellType::kBool;
  }
  static int64_t integer(const Row& row, int col) { return Columns()[col].get(row).integer; }
  static void column(const Row& row, sqlite3_context* ctx, int col) {
    const streamll::detail::Cell cell = Columns()[col].get(row);
    switch (cell.type) {
      case CellType::kText: result_text(ctx, cell.as_text()); break;
      case CellType::kInteger:
      case CellType::kBool: sqlite3_result_int64(ctx, cell.integer); break;
      case CellType::kReal: sqlite3_result_double(ctx, cell.real); break;
      // A store written before keys were checked may hold keys that are
      // not UTF-8: written as U+FFFD rather than thrown through SQLite.
      case CellType::kTextList:
        result_text(ctx, nlohmann::json(*cell.list).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        break;
    }
  }
};

}  // namespace streamll::sql::detail
