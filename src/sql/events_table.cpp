// The events virtual table: the store's events as rows, read through the
// store's indexes for the constraints SQLite hands over.
//
// Plans (idxNum), the first that applies:
//
//   idxNum  plan        reads                                  natural order
//   1       by id       Store::lookup(event_id), per id        event_id
//   2       execution   Store::scan_execution(id, ts range),   execution_id, ts_ns, seq
//                       per id
//   3       arrival     Store::scan_arrival(from seq)          seq
//   4       time        Store::scan_time(ts range)             ts_ns, seq
//   5       full        Store::scan_all()                      seq
//   6       time keys   Store::scan_time_keys(ts range)        ts_ns, seq
//
// Plan 6 replaces 4 and 5 when the statement reads no column but ts_ns,
// timestamp and seq (colUsed), e.g. count(*) over a time range: the time
// index's keys hold all of it, so no event is read.
//
// idxStr has one letter per argv value, in argv order, naming the
// constraint the value belongs to:
//
//   i  event_id =      x  execution_id =    t  event_type =
//   I  event_id IN     X  execution_id IN   (all values at once: sqlite3_vtab_in)
//   k  event_type LIKE (prefix, ASCII case-insensitive)    b  event_type GLOB (prefix)
//   g  ts_ns >     G  ts_ns >=     l  ts_ns <     L  ts_ns <=     e  ts_ns =
//   s  seq >       S  seq >=       q  seq <       Q  seq <=       n  seq =
//   a  timestamp > A  timestamp >= z  timestamp < Z  timestamp <= m  timestamp =
//
// ts_ns comparisons are omitted (SQLite does not test them again per row):
// the table applies them exactly as SQLite would, for any value (int_bounds:
// NULL, a real, numeric text, other text and blobs), which halves the cost
// of a row in a count over a time range. Every other constraint SQLite
// re-checks, so a value of an unexpected type or a LIKE subtlety can only
// widen the scan, never change the result. Text constraints are used only
// under the BINARY collation. Bounds from timestamp text are widened by a
// second, because text order and instant order differ slightly (6 or 9
// fraction digits, UTC offsets). The ids of = and IN constraints are
// intersected, sorted bytewise and scanned one after another. ORDER BY is
// consumed when it is a prefix of the plan's natural order (for a single
// execution_id, of ts_ns, seq), all ascending or all descending: a
// descending one reads the plan backwards (the ids in reverse, each
// newest first), so `ORDER BY ts_ns DESC LIMIT 50` reads 50 events.
// idxNum carries the plan, plus kDescending when it reads backwards.
//
// Costs follow ext/misc/series.c: bounded plans are cheap, a full scan is
// priced at a billion so that the planner prefers anything bounded.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "sql/summary_table.hpp"
#include "sql/tables.hpp"
#include "streamll/timestamp.hpp"

namespace streamll::sql::detail {

namespace {

enum Column { kEventId, kExecutionId, kTimestamp, kTsNs, kEventType, kModule, kMethod, kOperation, kData, kTags, kSeq };

constexpr const char* kSchema =
    "CREATE TABLE x(event_id TEXT, execution_id TEXT, timestamp TEXT, ts_ns INTEGER, event_type TEXT, "
    "module_name TEXT, method_name TEXT, operation TEXT, data TEXT, tags TEXT, seq INTEGER)";

enum Plan { kById = 1, kByExecution = 2, kByArrival = 3, kByTime = 4, kFull = 5, kTimeKeys = 6 };
constexpr int kDescending = 0x100;  // an idxNum flag beside the plan

// The columns the time index's keys hold.
constexpr sqlite3_uint64 kTimeKeyColumns =
    (sqlite3_uint64{1} << kTimestamp) | (sqlite3_uint64{1} << kTsNs) | (sqlite3_uint64{1} << kSeq);

// The letter of a usable constraint (see the table above), or 0. `in_list`:
// an IN that SQLite can hand over all at once.
char letter_of(int column, unsigned char op, bool binary_collation, bool in_list) {
  const auto range = [op](const char* letters) -> char {  // letters: > >= < <= =
    switch (op) {
      case SQLITE_INDEX_CONSTRAINT_GT: return letters[0];
      case SQLITE_INDEX_CONSTRAINT_GE: return letters[1];
      case SQLITE_INDEX_CONSTRAINT_LT: return letters[2];
      case SQLITE_INDEX_CONSTRAINT_LE: return letters[3];
      case SQLITE_INDEX_CONSTRAINT_EQ: return letters[4];
    }
    return 0;
  };
  switch (column) {
    case kTsNs: return range("gGlLe");
    case kSeq: return range("sSqQn");
    case kTimestamp: return binary_collation ? range("aAzZm") : 0;
    case kEventId: return binary_collation && op == SQLITE_INDEX_CONSTRAINT_EQ ? (in_list ? 'I' : 'i') : 0;
    case kExecutionId: return binary_collation && op == SQLITE_INDEX_CONSTRAINT_EQ ? (in_list ? 'X' : 'x') : 0;
    case kEventType:
      if (op == SQLITE_INDEX_CONSTRAINT_LIKE) return 'k';
      if (op == SQLITE_INDEX_CONSTRAINT_GLOB) return 'b';
      return binary_collation && op == SQLITE_INDEX_CONSTRAINT_EQ ? 't' : 0;
  }
  return 0;
}

bool any_of(const std::string& letters, const char* which) {
  return letters.find_first_of(which) != std::string::npos;
}

// How the plan can deliver the ORDER BY: as it reads (a prefix of its
// natural order, all ascending), read backwards (the same, all descending),
// or not at all (SQLite sorts). `many`: the plan reads several ids (an IN list).
enum class OrderFit { kNone, kForward, kBackward };
OrderFit order_fit(const sqlite3_index_info* info, Plan plan, bool many) {
  if (info->nOrderBy == 0 || (plan == kById && !many)) return OrderFit::kForward;
  std::vector<int> natural;
  switch (plan) {
    case kById: natural = {kEventId}; break;
    case kByExecution: natural = many ? std::vector<int>{kExecutionId, kTsNs, kSeq} : std::vector<int>{kTsNs, kSeq}; break;
    case kByTime:
    case kTimeKeys: natural = {kTsNs, kSeq}; break;
    case kByArrival: natural = {kSeq}; break;
    default: natural = {kSeq}; break;
  }
  if (info->nOrderBy > static_cast<int>(natural.size())) return OrderFit::kNone;
  const bool desc = info->aOrderBy[0].desc != 0;
  for (int i = 0; i < info->nOrderBy; ++i) {
    if ((info->aOrderBy[i].desc != 0) != desc || info->aOrderBy[i].iColumn != natural[static_cast<size_t>(i)]) {
      return OrderFit::kNone;
    }
  }
  return desc ? OrderFit::kBackward : OrderFit::kForward;
}

int best_index(sqlite3_vtab*, sqlite3_index_info* info) {
  std::string letters;
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (!c.usable) continue;
    const char* collation = sqlite3_vtab_collation(info, i);
    const bool binary = collation == nullptr || sqlite3_stricmp(collation, "BINARY") == 0;
    const char letter = letter_of(c.iColumn, c.op, binary, sqlite3_vtab_in(info, i, -1) != 0);
    if (letter == 0) continue;
    if (letter == 'I' || letter == 'X') sqlite3_vtab_in(info, i, 1);
    letters.push_back(letter);
    info->aConstraintUsage[i].argvIndex = static_cast<int>(letters.size());
    // ts_ns comparisons are applied exactly (int_bounds, Bounds::matches):
    // SQLite need not test them again on every row. The rest it re-checks.
    info->aConstraintUsage[i].omit = std::strchr("gGlLe", letter) != nullptr ? 1 : 0;
  }
  const bool ts_lower = any_of(letters, "gGeaAm"), ts_upper = any_of(letters, "lLezZm");
  const bool seq_lower = any_of(letters, "sSn"), seq_upper = any_of(letters, "qQn");
  const int first_order = info->nOrderBy > 0 ? info->aOrderBy[0].iColumn : -1;

  Plan plan;
  double rows;
  bool many = false;
  if (any_of(letters, "iI")) {
    many = !any_of(letters, "i");
    plan = kById, rows = many ? 10 : 1;
    if (!many) info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
  } else if (any_of(letters, "xX")) {
    many = !any_of(letters, "x");
    plan = kByExecution, rows = (ts_lower || ts_upper ? 20 : 50) * (many ? 5 : 1);
  } else if (seq_lower || seq_upper || first_order == kSeq) {
    plan = kByArrival, rows = seq_lower && seq_upper ? 1e3 : seq_lower || seq_upper ? 1e5 : 1e6;
  } else if (ts_lower || ts_upper || first_order == kTsNs) {
    plan = kByTime, rows = ts_lower && ts_upper ? 1e3 : ts_lower || ts_upper ? 1e5 : 1e6;
  } else {
    plan = kFull, rows = 1e6;
  }
  info->estimatedCost = plan == kFull ? 1e9 : plan == kById ? 1 : 10 + rows * 2;
  if ((plan == kByTime || plan == kFull) && (info->colUsed & ~kTimeKeyColumns) == 0) plan = kTimeKeys;
  const OrderFit fit = order_fit(info, plan, many);
  info->idxNum = plan | (fit == OrderFit::kBackward ? kDescending : 0);
  info->idxStr = sqlite3_mprintf("%s", letters.c_str());
  info->needToFreeIdxStr = 1;
  info->estimatedRows = static_cast<sqlite3_int64>(rows);
  info->orderByConsumed = fit != OrderFit::kNone ? 1 : 0;
  return SQLITE_OK;
}

// The constraints of one xFilter call, as index bounds and row filters.
struct Bounds {
  // The ids an = or IN allows (intersected when several), sorted, unique.
  std::optional<std::vector<std::string>> event_ids;
  std::optional<std::vector<std::string>> execution_ids;
  std::optional<std::string> event_type;
  std::string like_prefix;  // lower-case
  std::string glob_prefix;
  TimeRange ts;                                              // [since, until): what scans read
  int64_t ts_lo = std::numeric_limits<int64_t>::min();       // inclusive: what rows match
  int64_t ts_hi = std::numeric_limits<int64_t>::max();
  uint64_t seq_min = 0;                                      // inclusive
  uint64_t seq_max = std::numeric_limits<uint64_t>::max();   // inclusive
  bool impossible = false;  // a comparison with NULL: no row can match

  bool matches(const EventView& e) const {
    if (e.timestamp < ts_lo || e.timestamp > ts_hi || e.seq < seq_min || e.seq > seq_max) return false;
    if (event_type && e.event_type != *event_type) return false;
    if (!e.event_type.starts_with(glob_prefix)) return false;
    if (e.event_type.size() < like_prefix.size()) return false;
    for (size_t i = 0; i < like_prefix.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(e.event_type[i])) != like_prefix[i]) return false;
    }
    return allowed(execution_ids, e.execution_id) && allowed(event_ids, e.event_id);
  }

  static bool allowed(const std::optional<std::vector<std::string>>& ids, std::string_view id) {
    return !ids || std::binary_search(ids->begin(), ids->end(), id);
  }

  // Narrows *ids to `more` (unsorted, may repeat).
  static void intersect(std::vector<std::string> more, std::optional<std::vector<std::string>>* ids) {
    std::sort(more.begin(), more.end());
    more.erase(std::unique(more.begin(), more.end()), more.end());
    if (*ids) {
      std::vector<std::string> both;
      std::set_intersection((*ids)->begin(), (*ids)->end(), more.begin(), more.end(), std::back_inserter(both));
      more = std::move(both);
    }
    *ids = std::move(more);
  }

  bool empty() const {
    return impossible || ts.empty() || ts_lo > ts_hi || seq_min > seq_max || (event_ids && event_ids->empty()) ||
           (execution_ids && execution_ids->empty());
  }

  // Narrows the time range to [lo, hi] (inclusive ends, saturating).
  void clamp_ts(std::optional<int64_t> lo, std::optional<int64_t> hi) {
    if (lo) ts.since = ts_lo = std::max(ts_lo, *lo);
    if (hi) {
      ts_hi = std::min(ts_hi, *hi);
      ts.until = std::min(ts.until, *hi == std::numeric_limits<int64_t>::max() ? *hi : *hi + 1);
    }
  }
  void clamp_seq(std::optional<int64_t> lo, std::optional<int64_t> hi) {
    if (lo) seq_min = std::max(seq_min, *lo < 0 ? uint64_t{0} : static_cast<uint64_t>(*lo));
    if (hi) {
      if (*hi < 0) impossible = true;
      else seq_max = std::min(seq_max, static_cast<uint64_t>(*hi));
    }
  }
};

// The literal prefix of a LIKE or GLOB pattern (before its first wildcard).
std::string pattern_prefix(std::string_view pattern, std::string_view wildcards, bool lowercase) {
  std::string out;
  for (char c : pattern) {
    if (wildcards.find(c) != std::string_view::npos) break;
    out.push_back(lowercase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c);
  }
  return out;
}

std::string text_of(sqlite3_value* v) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
  return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(sqlite3_value_bytes(v)));
}

// The inclusive integer bounds [lo, hi] of the values of an INTEGER column
// for which `column OP value` holds, exactly as SQLite compares them: a
// numeric text is taken as its number (the column's affinity), an integer
// is below every text and blob, and a real is compared exactly. `none`: no
// value satisfies it. std::nullopt: no bound on that side.
struct IntBounds {
  std::optional<int64_t> lo, hi;
  bool none = false;
};
IntBounds int_bounds(char op, sqlite3_value* v) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max(), kMin = std::numeric_limits<int64_t>::min();
  constexpr double kTwo63 = 9223372036854775808.0;
  const IntBounds none{std::nullopt, std::nullopt, true};
  switch (sqlite3_value_numeric_type(v)) {
    case SQLITE_INTEGER: {
      const int64_t n = sqlite3_value_int64(v);
      switch (op) {
        case '>': return n == kMax ? none : IntBounds{n + 1, std::nullopt};
        case 'G': return {n, std::nullopt};
        case '<': return n == kMin ? none : IntBounds{std::nullopt, n - 1};
        case 'L': return {std::nullopt, n};
        default: return {n, n};
      }
    }
    case SQLITE_FLOAT: break;
    case SQLITE_NULL: return none;
    default:  // text that is not a number, a blob: above every integer
      return op == '<' || op == 'L' ? IntBounds{} : none;
  }
  const double d = sqlite3_value_double(v);
  if (std::isnan(d)) return none;
  // Beyond the int64 range: every value, or none.
  if (d >= kTwo63) return op == '<' || op == 'L' ? IntBounds{} : none;
  if (d < -kTwo63) return op == '>' || op == 'G' ? IntBounds{} : none;
  // Within the int64 range: floor and ceil are exact integers there.
  const double f = std::floor(d), c = std::ceil(d);
  const bool whole = f == d;
  switch (op) {
    // (Doubles below 2^63 are at most 2^63 - 1024: no +1 overflows.)
    case '>': return {static_cast<int64_t>(f) + 1, std::nullopt};
    case 'G': return {static_cast<int64_t>(c), std::nullopt};
    case '<': return c == -kTwo63 ? none : IntBounds{std::nullopt, static_cast<int64_t>(c) - 1};
    case 'L': return {std::nullopt, static_cast<int64_t>(f)};
    default: return whole ? IntBounds{static_cast<int64_t>(f), static_cast<int64_t>(f)} : none;
  }
}

// The values of an all-at-once IN list as text, NULLs left out (they match
// nothing); false when SQLite fails to hand them over.
bool in_values(sqlite3_value* list, std::vector<std::string>* out) {
  sqlite3_value* v = nullptr;
  int rc = sqlite3_vtab_in_first(list, &v);
  for (; rc == SQLITE_OK && v != nullptr; rc = sqlite3_vtab_in_next(list, &v)) {
    if (sqlite3_value_type(v) != SQLITE_NULL) out->push_back(text_of(v));
  }
  return rc == SQLITE_OK || rc == SQLITE_DONE;
}

// Applies one constraint value; false when an IN list cannot be read.
bool apply(char letter, sqlite3_value* v, Bounds* b) {
  if (letter == 'I' || letter == 'X') {  // the list handle looks like NULL
    std::vector<std::string> ids;
    if (!in_values(v, &ids)) return false;
    Bounds::intersect(std::move(ids), letter == 'I' ? &b->event_ids : &b->execution_ids);
    return true;
  }
  if (sqlite3_value_type(v) == SQLITE_NULL) {
    b->impossible = true;  // every comparison with NULL is false (LIKE/GLOB NULL too)
    return true;
  }
  // The comparison, as one of > G(>=) < L(<=) =, for the range letters.
  const auto op_of = [](char l) -> char {
    switch (l) {
      case 'g': case 's': case 'a': return '>';
      case 'G': case 'S': case 'A': return 'G';
      case 'l': case 'q': case 'z': return '<';
      case 'L': case 'Q': case 'Z': return 'L';
    }
    return '=';
  };
  switch (letter) {
    case 'i': Bounds::intersect({text_of(v)}, &b->event_ids); return true;
    case 'x': Bounds::intersect({text_of(v)}, &b->execution_ids); return true;
    case 't': b->event_type = text_of(v); return true;
    case 'k': b->like_prefix = pattern_prefix(text_of(v), "%_", true); return true;
    case 'b': b->glob_prefix = pattern_prefix(text_of(v), "*?[", false); return true;
    case 'g': case 'G': case 'l': case 'L': case 'e': {
      const IntBounds r = int_bounds(op_of(letter), v);
      if (r.none) b->impossible = true;
      b->clamp_ts(r.lo, r.hi);
      return true;
    }
    case 's': case 'S': case 'q': case 'Q': case 'n': {
      const IntBounds r = int_bounds(op_of(letter), v);
      if (r.none) b->impossible = true;
      b->clamp_seq(r.lo, r.hi);
      return true;
    }
    default: break;
  }
  // timestamp text: a hint, widened by a second each way.
  int64_t ns = 0;
  if (sqlite3_value_type(v) != SQLITE_TEXT || !parse_timestamp(text_of(v), &ns).ok()) return true;
  constexpr int64_t kSlack = 1'000'000'000;
  const char op = op_of(letter);
  b->clamp_ts(op == '<' || op == 'L' ? std::nullopt : std::optional<int64_t>(ns - kSlack),
              op == '>' || op == 'G' ? std::nullopt : std::optional<int64_t>(ns + kSlack));
  return true;
}

struct Cursor : sqlite3_vtab_cursor {
  std::unique_ptr<EventIterator> it;
  Plan plan = kFull;
  ScanOrder order = ScanOrder::kOldestFirst;
  Bounds bounds;
  const Store* store = nullptr;
  size_t key = 0;  // how many ids were read, for the by-id and execution plans
  std::string timestamp_text;  // the timestamp column's text, kept for its buffer

  bool done() const { return it == nullptr || !it->valid(); }
  bool backward() const { return order == ScanOrder::kNewestFirst; }

  // The iterator of the plan (of the next id for the plans that read ids:
  // the ids in order, or in reverse when reading backwards).
  std::unique_ptr<EventIterator> open() const {
    const size_t i = backward() ? keys() - 1 - key : key;
    switch (plan) {
      case kById: return store->lookup((*bounds.event_ids)[i]);
      case kByExecution: return store->scan_execution((*bounds.execution_ids)[i], bounds.ts, order);
      case kByArrival:
      case kFull:
        if (backward()) return store->scan_arrival_reverse(bounds.seq_max);
        return store->scan_arrival(bounds.seq_min == 0 ? 0 : bounds.seq_min - 1);
      case kByTime: return store->scan_time(bounds.ts, order);
      case kTimeKeys: return store->scan_time_keys(bounds.ts, order);
    }
    return store->scan_all();
  }

  size_t keys() const {
    if (plan == kById) return bounds.event_ids->size();
    if (plan == kByExecution) return bounds.execution_ids->size();
    return 1;
  }

  // Skips to the first matching row, moving on to the next id at the end of
  // one; an arrival scan ends past seq_max (backwards: before seq_min).
  int settle() {
    for (;;) {
      for (; it->valid(); it->next()) {
        const EventView& e = it->view();
        if ((plan == kByArrival || plan == kFull) && (backward() ? e.seq < bounds.seq_min : e.seq > bounds.seq_max)) {
          it.reset();
          return SQLITE_OK;
        }
        if (bounds.matches(e)) return SQLITE_OK;
      }
      if (!it->status().ok()) return SQLITE_ERROR;
      if (++key >= keys()) return SQLITE_OK;
      it = open();
    }
  }
};

int settle(Cursor* cur) {
  return cur->settle() == SQLITE_OK ? SQLITE_OK : status_error(cur->pVtab, cur->it->status());
}

int filter(sqlite3_vtab_cursor* base, int idx_num, const char* idx_str, int argc, sqlite3_value** argv) {
  auto* cur = static_cast<Cursor*>(base);
  auto* table = static_cast<TableBase*>(cur->pVtab);
  cur->bounds = Bounds{};
  cur->plan = static_cast<Plan>(idx_num & ~kDescending);
  cur->order = (idx_num & kDescending) != 0 ? ScanOrder::kNewestFirst : ScanOrder::kOldestFirst;
  cur->store = table->store;
  cur->key = 0;
  cur->it.reset();
  const size_t n = idx_str == nullptr ? 0 : std::strlen(idx_str);
  for (size_t i = 0; i < n && static_cast<int>(i) < argc; ++i) {
    if (!apply(idx_str[i], argv[i], &cur->bounds)) {
      return status_error(cur->pVtab, Status::invalid_argument("cannot read the values of an IN list"));
    }
  }
  if (cur->bounds.empty()) return SQLITE_OK;
  cur->it = cur->open();
  return settle(cur);
}

int next(sqlite3_vtab_cursor* base) {
  auto* cur = static_cast<Cursor*>(base);
  cur->it->next();
  return settle(cur);
}

int eof(sqlite3_vtab_cursor* base) { return static_cast<Cursor*>(base)->done() ? 1 : 0; }

int column(sqlite3_vtab_cursor* base, sqlite3_context* ctx, int col) {
  auto* cur = static_cast<Cursor*>(base);
  const EventView& e = cur->it->view();
  switch (col) {
    case kEventId: result_text(ctx, e.event_id); break;
    case kExecutionId: result_text(ctx, e.execution_id); break;
    case kTimestamp: {
      std::string& text = cur->timestamp_text;  // reused: no allocation per row
      text.clear();
      append_timestamp(e.timestamp, &text);
      result_text(ctx, text);
      break;
    }
    case kTsNs: sqlite3_result_int64(ctx, e.timestamp); break;
    case kEventType: result_text(ctx, e.event_type); break;
    case kModule: result_text(ctx, e.module_name); break;
    case kMethod: result_text(ctx, e.method_name); break;
    case kOperation:
      if (e.operation) {
        result_text(ctx, *e.operation);
      } else {
        sqlite3_result_null(ctx);
      }
      break;
    case kData: result_text(ctx, e.data_json); break;
    case kTags: result_text(ctx, e.tags_json); break;
    case kSeq: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(e.seq)); break;
  }
  return SQLITE_OK;
}

int rowid(sqlite3_vtab_cursor* base, sqlite3_int64* out) {
  *out = static_cast<sqlite3_int64>(static_cast<Cursor*>(base)->it->view().seq);
  return SQLITE_OK;
}

int connect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out, char** err) {
  return connect_table(db, aux, argc, argv, kSchema, out, err);
}

}  // namespace

const sqlite3_module* events_module() {
  static const sqlite3_module module =
      read_only_module<Cursor>({connect, best_index, filter, next, eof, column, rowid});
  return &module;
}

}  // namespace streamll::sql::detail
