#include "report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace streamll::bench {

std::string format_number(double value) {
  if (!std::isfinite(value)) return fmt::format("{}", value);
  if (std::fabs(value) < 1000) return fmt::format("{:.4g}", value);
  std::string digits = fmt::format("{:.0f}", std::fabs(value));
  std::string out = value < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

namespace {

enum class Align { kLeft, kRight };

struct Column {
  const char* header;
  Align align;
};

// bench, metric and the value are written on a metric's first row only, so
// that its baselines read as a group under it.
constexpr Column kColumns[] = {
    {"bench", Align::kLeft},     {"metric", Align::kLeft},   {"value", Align::kRight},
    {"unit", Align::kLeft},      {"baseline", Align::kLeft}, {"baseline value", Align::kRight},
    {"ratio", Align::kRight},    {"target", Align::kLeft},
};
constexpr size_t kColumnCount = std::size(kColumns);
using Row = std::array<std::string, kColumnCount>;

std::string target_cell(const Metric& m, const std::string& baseline, double ratio) {
  const auto it = m.targets.find(baseline);
  if (it == m.targets.end()) return "";
  const bool met = m.higher_is_better ? ratio >= it->second : ratio <= it->second;
  return fmt::format("{} {:.2f}x {}", m.higher_is_better ? ">=" : "<=", it->second,
                     met ? "met" : "NOT met");
}

}  // namespace

void Report::print_table(std::FILE* out) const {
  std::vector<Row> rows;
  Row header;
  for (size_t c = 0; c < kColumnCount; ++c) header[c] = kColumns[c].header;
  rows.push_back(header);
  for (const Metric& m : metrics_) {
    Row first{m.bench, m.metric, format_number(m.value), m.unit};
    if (m.baselines.empty()) rows.push_back(first);
    bool is_first = true;
    for (const auto& [name, base] : m.baselines) {
      Row row = is_first ? first : Row{};
      is_first = false;
      const double ratio = m.value / base;
      row[4] = name;
      row[5] = format_number(base);
      row[6] = fmt::format("{:.2f}x", ratio);
      row[7] = target_cell(m, name, ratio);
      rows.push_back(std::move(row));
    }
  }

  std::array<size_t, kColumnCount> width{};
  for (const Row& row : rows) {
    for (size_t c = 0; c < kColumnCount; ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (const Row& row : rows) {
    std::string line;
    for (size_t c = 0; c < kColumnCount; ++c) {
      if (c > 0) line += "  ";
      if (kColumns[c].align == Align::kRight) {
        line += fmt::format("{:>{}}", row[c], width[c]);
      } else {
        line += fmt::format("{:<{}}", row[c], width[c]);
      }
    }
    line.erase(line.find_last_not_of(' ') + 1);
    fmt::print(out, "{}\n", line);
  }
}

void Report::print_json(std::FILE* out) const {
  for (const Metric& m : metrics_) {
    nlohmann::ordered_json line;
    line["bench"] = m.bench;
    line["metric"] = m.metric;
    line["value"] = m.value;
    line["unit"] = m.unit;
    line["baselines"] = nlohmann::ordered_json::object();
    for (const auto& [name, base] : m.baselines) line["baselines"][name] = base;
    fmt::print(out, "{}\n", line.dump());
  }
}

}  // namespace streamll::bench
