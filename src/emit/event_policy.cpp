#include "emit/event_policy.hpp"

#include <algorithm>
#include <cctype>

namespace streamll::detail {

namespace {

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

Redactor::Redactor(const std::vector<std::string>& keys) {
  for (const auto& k : keys) lowercase_keys_.push_back(lowercase(k));
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
