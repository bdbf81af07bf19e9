#include "streamll/compare.hpp"

#include <map>
#include <utility>

#include "streamll/spans.hpp"
#include "streamll/store_json.hpp"

namespace streamll {

namespace {

// One execution, held for the comparison.
struct Side {
  ExecutionSummary summary;
  std::map<std::string, uint64_t> types;
  std::vector<Span> spans;
  // (event_type, module_name) -> data of those events, in time order.
  std::map<std::pair<std::string, std::string>, std::vector<Json>> data;
  std::vector<std::pair<std::string, std::string>> order;  // first appearance of each key
};

Status load(Store& store, std::string_view id, Side* side) {
  if (Status s = store.get_execution(id, &side->summary); !s.ok()) return s;
  SpanBuilder builder;
  auto it = store.scan_execution(id);
  for (; it->valid(); it->next()) {
    const EventView& e = it->view();
    builder.add(e);
    ++side->types[std::string(e.event_type)];
    auto key = std::make_pair(std::string(e.event_type), std::string(e.module_name));
    auto [slot, fresh] = side->data.try_emplace(key);
    if (fresh) side->order.push_back(key);
    slot->second.push_back(Json::parse(e.data_json, nullptr, false));
  }
  if (Status s = it->status(); !s.ok()) return s;
  side->spans = builder.spans();
  return Status::ok_status();
}

std::string pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

// Appends the leaves where a and b differ, as JSON pointers under `path`.
void diff_json(const Json* a, const Json* b, const std::string& path, std::vector<std::pair<std::string, std::pair<const Json*, const Json*>>>* out) {
  if (a && b && a->is_object() && b->is_object()) {
    for (const auto& [k, v] : a->items()) {
      auto other = b->find(k);
      diff_json(&v, other == b->end() ? nullptr : &*other, path + "/" + pointer_token(k), out);
    }
    for (const auto& [k, v] : b->items()) {
      if (!a->contains(k)) diff_json(nullptr, &v, path + "/" + pointer_token(k), out);
    }
    return;
  }
  if (a && b && a->is_array() && b->is_array()) {
    const size_t n = std::max(a->size(), b->size());
    for (size_t i = 0; i < n; ++i) {
      diff_json(i < a->size() ? &(*a)[i] : nullptr, i < b->size() ? &(*b)[i] : nullptr, path + "/" + std::to_string(i), out);
    }
    return;
  }
  if (a && b && *a == *b) return;
  out->push_back({path, {a, b}});
}

}  // namespace

Status compare_executions(Store& store, std::string_view a_id, std::string_view b_id, size_t max_differences,
                          ExecutionComparison* out) {
  Side a, b;
  if (Status s = load(store, a_id, &a); !s.ok()) return s;
  if (Status s = load(store, b_id, &b); !s.ok()) return s;
  ExecutionComparison result;
  result.a = a.summary;
  result.b = b.summary;

  std::map<std::string, ExecutionComparison::TypeCount> types;
  for (const auto& [t, n] : a.types) types[t] = {t, n, 0};
  for (const auto& [t, n] : b.types) {
    auto& entry = types[t];
    entry.event_type = t;
    entry.b = n;
  }
  for (auto& [t, count] : types) result.types.push_back(std::move(count));

  // Spans by (name, module, rank).
  using SpanKey = std::tuple<std::string, std::string, size_t>;
  auto keyed = [](const std::vector<Span>& spans) {
    std::map<std::pair<std::string, std::string>, size_t> seen;
    std::vector<SpanKey> keys;
    for (const Span& s : spans) keys.emplace_back(s.name, s.module_name, seen[{s.name, s.module_name}]++);
    return keys;
  };
  const std::vector<SpanKey> a_keys = keyed(a.spans), b_keys = keyed(b.spans);
  std::map<SpanKey, size_t> b_index;
  for (size_t i = 0; i < b_keys.size(); ++i) b_index[b_keys[i]] = i;
  std::vector<bool> b_matched(b_keys.size());
  for (size_t i = 0; i < a_keys.size(); ++i) {
    ExecutionComparison::SpanPair pair{std::get<0>(a_keys[i]), std::get<1>(a_keys[i]), std::get<2>(a_keys[i]),
                                       a.spans[i].duration_ns(), std::nullopt, a.spans[i].status(), ""};
    if (auto it = b_index.find(a_keys[i]); it != b_index.end()) {
      pair.b_ns = b.spans[it->second].duration_ns();
      pair.b_status = b.spans[it->second].status();
      b_matched[it->second] = true;
    }
    result.spans.push_back(std::move(pair));
  }
  for (size_t i = 0; i < b_keys.size(); ++i) {
    if (b_matched[i]) continue;
    result.spans.push_back({std::get<0>(b_keys[i]), std::get<1>(b_keys[i]), std::get<2>(b_keys[i]), std::nullopt,
                            b.spans[i].duration_ns(), "", b.spans[i].status()});
  }

  // Data of corresponding events: A's keys first, then B's others.
  std::vector<std::pair<std::string, std::string>> keys = a.order;
  for (const auto& k : b.order) {
    if (!a.data.contains(k)) keys.push_back(k);
  }
  static const std::vector<Json> kNone;
  for (const auto& key : keys) {
    auto ai = a.data.find(key);
    auto bi = b.data.find(key);
    const std::vector<Json>& as = ai == a.data.end() ? kNone : ai->second;
    const std::vector<Json>& bs = bi == b.data.end() ? kNone : bi->second;
    for (size_t rank = 0; rank < std::max(as.size(), bs.size()); ++rank) {
      std::vector<std::pair<std::string, std::pair<const Json*, const Json*>>> leaves;
      diff_json(rank < as.size() ? &as[rank] : nullptr, rank < bs.size() ? &bs[rank] : nullptr, "", &leaves);
      for (const auto& [path, values] : leaves) {
        if (result.data.size() == max_differences) {
          result.data_truncated = true;
          *out = std::move(result);
          return Status::ok_status();
        }
        ExecutionComparison::DataDifference d{key.first, key.second, rank, path, std::nullopt, std::nullopt};
        if (values.first) d.a = *values.first;
        if (values.second) d.b = *values.second;
        result.data.push_back(std::move(d));
      }
    }
  }
  *out = std::move(result);
  return Status::ok_status();
}

Json to_json(const ExecutionComparison& c) {
  Json j = Json::object();
  j["a"] = to_json(c.a);
  j["b"] = to_json(c.b);
  Json types = Json::array();
  for (const auto& t : c.types) types.push_back({{"event_type", t.event_type}, {"a", t.a}, {"b", t.b}});
  j["types"] = std::move(types);
  auto ms = [](const std::optional<uint64_t>& ns) { return ns ? Json(static_cast<double>(*ns) / 1e6) : Json(); };
  auto text = [](const std::string& s) { return s.empty() ? Json() : Json(s); };
  Json spans = Json::array();
  for (const auto& s : c.spans) {
    spans.push_back({{"name", s.name}, {"module_name", s.module_name}, {"rank", s.rank}, {"a_ms", ms(s.a_ns)},
                     {"b_ms", ms(s.b_ns)}, {"a_status", text(s.a_status)}, {"b_status", text(s.b_status)}});
  }
  j["spans"] = std::move(spans);
  Json data = Json::array();
  for (const auto& d : c.data) {
    Json x = {{"event_type", d.event_type}, {"module_name", d.module_name}, {"rank", d.rank}, {"path", d.path}};
    if (d.a) x["a"] = *d.a;
    if (d.b) x["b"] = *d.b;
    data.push_back(std::move(x));
  }
  j["data"] = std::move(data);
  j["data_truncated"] = c.data_truncated;
  return j;
}

}  // namespace streamll
