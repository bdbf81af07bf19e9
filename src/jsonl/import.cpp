#include <istream>

#include <fmt/format.h>

#include "event/event_decoder.hpp"
#include "streamll/event_batch.hpp"
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
  // The events as the store keeps them (compact text, no JSON trees).
  EventBatch events;
  detail::DecodedEvent decoded;
  std::vector<size_t> line_of;  // each event's line number
  std::string line;
  while (std::getline(in, line)) {
    ++report->lines;
    if (is_blank(line)) continue;
    const Status s = detail::decode_event_json(line, &decoded);
    if (s.ok()) {
      events.add(decoded.view());
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

  const std::span<const EventView> views = events.views();
  const size_t batch = options.batch_size == 0 ? views.size() : options.batch_size;
  AppendOptions append_options;
  append_options.validated = true;  // by the decoder
  for (size_t start = 0; start < views.size(); start += batch) {
    const size_t n = std::min(batch, views.size() - start);
    AppendResult r;
    const Status s = store->append(views.subspan(start, n), &r, append_options);
    if (!s.ok()) {
      return s.with_context(fmt::format("{}: after importing {} events", options.source_name, report->imported));
    }
    report->imported += r.appended;
    report->duplicates += r.duplicates;
    for (const size_t i : r.conflicts) {
      report->conflicts.push_back(
          fmt::format("{}:{}: event_id {:?} is stored already with other content; the stored event was kept",
                      options.source_name, line_of[start + i], views[start + i].event_id));
    }
  }
  return Status::ok_status();
}

}  // namespace streamll
