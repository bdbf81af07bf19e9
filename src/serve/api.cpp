#include "serve/api.hpp"

#include <algorithm>
#include <charconv>
#include <unordered_set>

#include <fmt/format.h>

#include "streamll/compare.hpp"
#include "streamll/event_json.hpp"
#include "streamll/spans.hpp"
#include "streamll/store_json.hpp"
#include "streamll/timestamp.hpp"

namespace streamll::serve {

namespace {

std::string dump(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

Status parse_count(const Params& params, const std::string& name, uint64_t low, uint64_t high, uint64_t* out) {
  const std::string text = param(params, name);
  if (text.empty()) return Status::ok_status();
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < low || v > high) {
    return Status::invalid_argument(fmt::format("parameter '{}': '{}' is not a whole number from {} to {}", name, text, low, high));
  }
  *out = v;
  return Status::ok_status();
}

// ns since the epoch, or RFC 3339 text.
Status parse_time(const Params& params, const std::string& name, int64_t* out) {
  const std::string text = param(params, name);
  if (text.empty()) return Status::ok_status();
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc() && end == text.data() + text.size()) {
    *out = v;
    return Status::ok_status();
  }
  if (Status s = parse_timestamp(text, out); !s.ok()) {
    return Status::invalid_argument(fmt::format("parameter '{}': {}", name, s.message()));
  }
  return Status::ok_status();
}

// Adds the token counts an event's data carries (prompt_tokens,
// completion_tokens, total_tokens at the top level) to *tokens. The data is
// parsed only when its text mentions "_tokens".
void add_tokens(std::string_view data_json, Json* tokens) {
  if (data_json.find("_tokens\"") == std::string_view::npos) return;
  const Json data = Json::parse(data_json, nullptr, false);
  if (!data.is_object()) return;
  for (const char* key : {"prompt_tokens", "completion_tokens", "total_tokens"}) {
    auto it = data.find(key);
    if (it == data.end() || !it->is_number()) continue;
    (*tokens)[key] = tokens->value(key, 0.0) + it->get<double>();
  }
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// The event as upstream's JSON with the store's seq, ts_ns and (when >= -1)
// the index of its span first.
void append_event(const EventView& view, int64_t span, bool with_span, std::string* out) {
  *out += fmt::format("{{\"seq\":{},\"ts_ns\":{},", view.seq, view.timestamp);
  if (with_span) *out += fmt::format("\"span\":{},", span);
  const size_t at = out->size();
  append_event_json(view, out);
  out->erase(at, 1);  // the upstream object's own "{"
}

// error_type, error_message and traceback of an error event's data (those present).
Json error_details(std::string_view data_json) {
  Json details = Json::object();
  const Json data = Json::parse(data_json, nullptr, false);
  if (!data.is_object()) return details;
  for (const char* key : {"error_type", "error_message", "traceback"}) {
    auto it = data.find(key);
    if (it != data.end()) details[key] = *it;
  }
  return details;
}

}  // namespace

std::string param(const Params& params, const std::string& name) {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

Status list_executions(Store& store, const Params& params, std::string* body) {
  uint64_t limit = 50, offset = 0;
  int64_t since = std::numeric_limits<int64_t>::min(), until = std::numeric_limits<int64_t>::max();
  if (Status s = parse_count(params, "limit", 1, 500, &limit); !s.ok()) return s;
  if (Status s = parse_count(params, "offset", 0, UINT64_MAX, &offset); !s.ok()) return s;
  if (Status s = parse_time(params, "since", &since); !s.ok()) return s;
  if (Status s = parse_time(params, "until", &until); !s.ok()) return s;
  const bool errors_only = param(params, "errors") == "1";
  const std::string type = param(params, "type"), module = param(params, "module"), q = param(params, "q");

  if (Status s = store.refresh(); !s.ok()) return s;
  std::vector<ExecutionSummary> all;
  if (Status s = store.list_executions(&all); !s.ok()) return s;

  // Executions with an event that matches type, module and q (one scan).
  std::unordered_set<std::string> by_events;
  const bool scan_events = !type.empty() || !module.empty() || !q.empty();
  if (scan_events) {
    EventFilter filter;
    filter.event_type = TypePattern(type);
    auto it = store.scan(filter);
    for (; it->valid(); it->next()) {
      const EventView& e = it->view();
      if (!module.empty() && e.module_name != module) continue;
      if (!q.empty() && !contains(e.execution_id, q) && !contains(e.event_type, q) && !contains(e.module_name, q) &&
          !contains(e.data_json, q)) {
        continue;
      }
      by_events.emplace(e.execution_id);
    }
    if (Status s = it->status(); !s.ok()) return s;
  }
  std::vector<const ExecutionSummary*> chosen;
  for (const auto& e : all) {
    if (e.first_ts < since || (until != std::numeric_limits<int64_t>::max() && e.first_ts >= until)) continue;
    if (errors_only && e.error_count == 0) continue;
    if (scan_events && !by_events.contains(e.execution_id)) continue;
    chosen.push_back(&e);
  }
  std::sort(chosen.begin(), chosen.end(), [](const ExecutionSummary* a, const ExecutionSummary* b) {
    return a->first_ts != b->first_ts ? a->first_ts > b->first_ts : a->execution_id > b->execution_id;
  });

  Json list = Json::array();
  for (size_t i = offset; i < chosen.size() && i < offset + limit; ++i) {
    Json j = to_json(*chosen[i]);
    Json tokens = Json::object();
    auto it = store.scan_execution(chosen[i]->execution_id);
    for (; it->valid(); it->next()) add_tokens(it->view().data_json, &tokens);
    if (Status s = it->status(); !s.ok()) return s;
    if (!tokens.empty()) j["tokens"] = std::move(tokens);
    list.push_back(std::move(j));
  }
  Json out = Json::object();
  out["total"] = chosen.size();
  out["offset"] = offset;
  out["executions"] = std::move(list);
  *body = dump(out);
  return Status::ok_status();
}

Status get_execution(Store& store, std::string_view execution_id, const Params& params, std::string* body) {
  uint64_t limit = 2000, offset = 0;
  if (Status s = parse_count(params, "limit", 1, 10000, &limit); !s.ok()) return s;
  if (Status s = parse_count(params, "offset", 0, UINT64_MAX, &offset); !s.ok()) return s;
  if (Status s = store.refresh(); !s.ok()) return s;
  ExecutionSummary summary;
  if (Status s = store.get_execution(execution_id, &summary); !s.ok()) return s;

  SpanBuilder spans;
  std::map<std::string, uint64_t, std::less<>> types;
  std::string events;
  std::map<uint64_t, Json> errors;  // by event index: what error events said
  uint64_t index = 0;
  auto it = store.scan_execution(execution_id);
  for (; it->valid(); it->next(), ++index) {
    const EventView& e = it->view();
    spans.add(e);
    if (is_error_type(e.event_type)) errors.emplace(index, error_details(e.data_json));
    auto t = types.find(e.event_type);
    if (t == types.end()) t = types.emplace(std::string(e.event_type), 0).first;
    ++t->second;
    if (index >= offset && index < offset + limit) {
      if (!events.empty()) events += ',';
      append_event(e, spans.span_of_event().back(), true, &events);
    }
  }
  if (Status s = it->status(); !s.ok()) return s;

  Json span_list = Json::array();
  for (const Span& span : spans.spans()) {
    Json j = Json::object();
    j["name"] = span.name;
    j["module_name"] = span.module_name;
    j["start_ts_ns"] = span.start_ts;
    j["end_ts_ns"] = span.end_ts;
    j["duration_ms"] = static_cast<double>(span.duration_ns()) / 1e6;
    // Exact here; a browser's doubles hold ns since the epoch only to 256 ns.
    j["offset_ms"] = static_cast<double>(span_ns(summary.first_ts, span.start_ts)) / 1e6;
    j["depth"] = span.depth;
    j["parent"] = span.parent ? Json(*span.parent) : Json(nullptr);
    j["start_event"] = span.start_event;
    j["end_event"] = span.end_event ? Json(*span.end_event) : Json(nullptr);
    j["status"] = span.status();
    if (span.end_event && errors.contains(*span.end_event)) j["error"] = errors[*span.end_event];
    span_list.push_back(std::move(j));
  }
  Json type_counts = Json::object();
  for (const auto& [type, count] : types) type_counts[type] = count;

  std::string out = "{\"execution\":" + dump(to_json(summary));
  out += ",\"types\":" + dump(type_counts);
  out += ",\"spans\":" + dump(span_list);
  out += fmt::format(",\"offset\":{},\"total\":{},\"events\":[", offset, index);
  out += events;
  out += "]}";
  *body = std::move(out);
  return Status::ok_status();
}

Status get_event(Store& store, std::string_view event_id, std::string* body) {
  if (Status s = store.refresh(); !s.ok()) return s;
  auto it = store.lookup(event_id);
  if (Status s = it->status(); !s.ok()) return s;
  if (!it->valid()) return Status::not_found(fmt::format("no event with id '{}'", event_id));
  std::string out;
  append_event(it->view(), -1, false, &out);
  *body = std::move(out);
  return Status::ok_status();
}

Status list_event_types(Store& store, std::string* body) {
  if (Status s = store.refresh(); !s.ok()) return s;
  std::vector<EventTypeSummary> types;
  if (Status s = store.list_event_types(&types); !s.ok()) return s;
  std::stable_sort(types.begin(), types.end(), [](const auto& a, const auto& b) { return a.count > b.count; });
  Json list = Json::array();
  for (const auto& t : types) list.push_back(to_json(t));
  *body = dump(Json{{"event_types", std::move(list)}});
  return Status::ok_status();
}

Status compare(Store& store, const Params& params, std::string* body) {
  const std::string a = param(params, "a"), b = param(params, "b");
  if (a.empty() || b.empty()) return Status::invalid_argument("parameters 'a' and 'b': two execution ids are needed");
  if (Status s = store.refresh(); !s.ok()) return s;
  ExecutionComparison comparison;
  if (Status s = compare_executions(store, a, b, 1000, &comparison); !s.ok()) return s;
  *body = dump(to_json(comparison));
  return Status::ok_status();
}

Status get_stats(Store& store, std::string* body) {
  if (Status s = store.refresh(); !s.ok()) return s;
  StoreStats stats;
  if (Status s = store.stats(&stats); !s.ok()) return s;
  Json j = to_json(stats);
  j["path"] = store.path();
  *body = dump(j);
  return Status::ok_status();
}

}  // namespace streamll::serve
