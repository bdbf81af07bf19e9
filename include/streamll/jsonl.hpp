// JSONL import and export: one event a line, in upstream streamll's JSON
// format (event_json.hpp), the interchange format with Python apps and files.
//
// Thread-safety: each call uses only its arguments; a Store may be shared.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "streamll/status.hpp"
#include "streamll/store.hpp"

namespace streamll {

struct ImportOptions {
  // The name used in messages ("events.jsonl:7: ..."); "-" for stdin.
  std::string source_name = "-";
  // false: the first bad line fails the import and nothing is written.
  // true: bad lines are skipped and reported; the good ones are imported.
  bool skip_invalid = false;
};

struct ImportReport {
  size_t lines = 0;       // lines read, blank ones included
  size_t imported = 0;    // events newly stored
  size_t duplicates = 0;  // events whose event_id was stored already
  size_t invalid = 0;     // bad lines (skipped with skip_invalid, else the first fails)
  // One message per bad line: "SOURCE:LINE: field 'x': why".
  std::vector<std::string> problems;
  // One message per duplicate whose content differs from the event kept
  // under its event_id (counted in duplicates too): "SOURCE:LINE: event_id
  // "X" is stored already with other content; the stored event was kept".
  std::vector<std::string> conflicts;
};

// Reads JSONL from `in` and appends its events to `store`, whole or
// nothing (Store::append_all): a failed import (InvalidArgument naming
// source, line and field), one killed midway (kill -9, power loss) or one
// the disk cannot hold leaves none of its events. Blank lines are ignored;
// re-importing the same events stores no duplicates (event_id). Cost: each
// line read once, straight into the text the store keeps (no JSON tree is
// built; an object of 100,000 keys costs what 100,000 values do); memory is
// a part of a few MB of decoded events plus, per event, its line number, its
// event_id and the few bytes of its index entries: a small fraction of the
// input, however large.
Status import_jsonl(std::istream& in, Store* store, const ImportOptions& options,
                    ImportReport* report);

// Writes the events matching `filter` to `out`, one JSON object a line, in
// the store's scan order (time order, see Store::scan). data and tags are
// written as stored, never re-parsed. *count receives the number written.
Status export_jsonl(const Store& store, const EventFilter& filter, std::ostream& out,
                    size_t* count);

}  // namespace streamll
