#include "emit/event_policy.hpp"

#include <algorithm>
#include <cctype>

#include "event/json_writer.hpp"

namespace streamll::detail {

namespace {

void fold_case(std::string* s) {
  std::transform(s->begin(), s->end(), s->begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  fold_case(&out);
  return out;
}

}  // namespace

Redactor::Redactor(const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    lowercase_keys_.push_back(lowercase(k));
    std::string quoted;
    append_json_string(k, &quoted);
    folded_needles_.push_back(lowercase(std::string_view(quoted).substr(1, quoted.size() - 2)));
  }
}

bool Redactor::may_apply(std::string_view json_text) const {
  if (folded_needles_.empty()) return false;
  thread_local std::string folded;  // kept: no allocation per event
  folded.assign(json_text);
  fold_case(&folded);
  return std::any_of(folded_needles_.begin(), folded_needles_.end(),
                     [&](const std::string& needle) { return folded.find(needle) != std::string::npos; });
}

bool Redactor::is_secret(const std::string& key) const {
  if (lowercase_keys_.empty()) return false;
  const std::string lower = lowercase(key);
  return std::find(lowercase_keys_.begin(), lowercase_keys_.end(), lower) != lowercase_keys_.end();
}

void Redactor::apply(Json* value) const {
  if (lowercase_keys_.empty()) return;
  if (value->is_object()) {
    for (auto& [key, member] : value->items()) {
      if (is_secret(key)) {
        member = "[REDACTED]";
      } else {
        apply(&member);
      }
    }
  } else if (value->is_array()) {
    for (auto& element : *value) apply(&element);
  }
}

}  // namespace streamll::detail
