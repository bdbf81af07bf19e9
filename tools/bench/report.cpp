#include "report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <string_view>

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

// A metric beside one of its baselines: what every kind of table shows.
struct Comparison {
  std::string baseline;
  double baseline_value;
  double ratio;  // value / baseline_value
  bool has_target;
  double target;
  bool met;
};

std::vector<Comparison> compare(const Metric& m) {
  std::vector<Comparison> out;
  for (const auto& [name, base] : m.baselines) {
    Comparison c{name, base, m.value / base, false, 0, false};
    if (const auto it = m.targets.find(name); it != m.targets.end()) {
      c.has_target = true;
      c.target = it->second;
      c.met = m.higher_is_better ? c.ratio >= c.target : c.ratio <= c.target;
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string ratio_text(double ratio) { return fmt::format("{:.2f}x", ratio); }

// ">= 2.00x": the bound the ratio must keep.
std::string target_text(const Metric& m, const Comparison& c) {
  return fmt::format("{} {}", m.higher_is_better ? ">=" : "<=", ratio_text(c.target));
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
    for (const Comparison& c : compare(m)) {
      Row row = is_first ? first : Row{};
      is_first = false;
      row[4] = c.baseline;
      row[5] = format_number(c.baseline_value);
      row[6] = ratio_text(c.ratio);
      if (c.has_target) row[7] = fmt::format("{} {}", target_text(m, c), c.met ? "met" : "NOT met");
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

namespace {

// A table cell's text: a pipe would end the cell, a line break the row.
std::string markdown_cell(std::string_view text) {
  text = text.substr(0, text.find_last_not_of(" \n") + 1);
  std::string out;
  for (const char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

void print_markdown_row(std::FILE* out, const std::vector<std::string>& cells) {
  std::string line = "|";
  for (const std::string& cell : cells) line += fmt::format(" {} |", markdown_cell(cell));
  fmt::print(out, "{}\n", line);
}

}  // namespace

void Report::print_markdown(std::FILE* out) const {
  fmt::print(out,
             "| benchmark | metric | streamll | baseline | baseline value | ratio (streamll / baseline) | target "
             "| met? |\n"
             "|---|---|--:|---|--:|--:|--:|---|\n");
  auto failure = failures_.begin();
  const auto print_failures_up_to = [&](size_t metrics) {
    for (; failure != failures_.end() && failure->after <= metrics; ++failure) {
      print_markdown_row(out, {failure->failure.bench, "**failed**", failure->failure.error, "", "", "", "", ""});
    }
  };
  for (size_t i = 0; i < metrics_.size(); ++i) {
    print_failures_up_to(i);
    const Metric& m = metrics_[i];
    const std::string value = fmt::format("{} {}", format_number(m.value), m.unit);
    const std::vector<Comparison> comparisons = compare(m);
    if (comparisons.empty()) print_markdown_row(out, {m.bench, m.metric, value, "", "", "", "", ""});
    for (const Comparison& c : comparisons) {
      print_markdown_row(out, {m.bench, m.metric, value, c.baseline,
                               fmt::format("{} {}", format_number(c.baseline_value), m.unit),
                               fmt::format("{}, {} is better", ratio_text(c.ratio),
                                           m.higher_is_better ? "higher" : "lower"),
                               c.has_target ? target_text(m, c) : "none",
                               c.has_target ? (c.met ? "yes" : "**no**") : ""});
    }
  }
  print_failures_up_to(metrics_.size());
}

}  // namespace streamll::bench
