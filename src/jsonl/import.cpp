#include <istream>

#include <fmt/format.h>

#include "streamll/event_json.hpp"
#include "streamll/jsonl.hpp"

namespace streamll {

namespace {

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

Status import_jsonl(std::istream& in, Store* store, const ImportOptions& options,
                    ImportReport* report) {
  *report = ImportReport{};
  std::vector<Event> events;
  std::vector<size_t> line_of;  // each event's line number
  std::string line;
  while (std::getline(in, line)) {
    ++report->lines;
    if (is_blank(line)) continue;
    Event e;
    const Status s = event_from_json(line, &e);
    if (s.ok()) {
      events.push_back(std::move(e));
      line_of.push_back(report->lines);
      continue;
    }
    ++report->invalid;
    report->problems.push_back(fmt::format("{}:{}: {}", options.source_name, report->lines, s.message()));
    if (!options.skip_invalid) {
      return Status::invalid_argument(report->problems.back() + " (nothing was imported)");
    }
  }
  if (in.bad()) return Status::io_error(fmt::format("{}: read failed", options.source_name));

  const size_t batch = options.batch_size == 0 ? events.size() : options.batch_size;
  for (size_t start = 0; start < events.size(); start += batch) {
    const size_t n = std::min(batch, events.size() - start);
    AppendResult r;
    const Status s = store->append(std::span<const Event>(events).subspan(start, n), &r);
    if (!s.ok()) {
      return s.with_context(fmt::format("{}: after importing {} events", options.source_name, report->imported));
    }
    report->imported += r.appended;
    report->duplicates += r.duplicates;
    for (const size_t i : r.conflicts) {
      report->conflicts.push_back(
          fmt::format("{}:{}: event_id {:?} is stored already with other content; the stored event was kept",
                      options.source_name, line_of[start + i], events[start + i].event_id));
    }
  }
  return Status::ok_status();
}

}  // namespace streamll
