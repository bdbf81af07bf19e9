// What the runtime does to events before they are stored: type filtering (on
// the emitting thread, so filtered events cost no queue slot) and redaction
// of sensitive data keys (on the writer thread, before the store and sinks).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "streamll/event.hpp"
#include "streamll/type_pattern.hpp"

namespace streamll::detail {

// A set of event type patterns (type_pattern.hpp): matches a type that any
// of them matches.
class TypePatterns {
 public:
  explicit TypePatterns(const std::vector<std::string>& patterns) : patterns_(patterns.begin(), patterns.end()) {}
  bool empty() const { return patterns_.empty(); }
  bool matches(std::string_view type) const {
    for (const TypePattern& p : patterns_) {
      if (p.matches(type)) return true;
    }
    return false;
  }

 private:
  std::vector<TypePattern> patterns_;
};

class TypeFilter {
 public:
  TypeFilter(const std::vector<std::string>& allow, const std::vector<std::string>& deny)
      : allow_(allow), deny_(deny) {}
  // Allowed when allow is empty or matches, and deny does not match.
  bool allows(std::string_view type) const {
    return (allow_.empty() || allow_.matches(type)) && (deny_.empty() || !deny_.matches(type));
  }

 private:
  TypePatterns allow_;
  TypePatterns deny_;
};

// Replaces the value of every object member whose key is in `keys`
// (case-insensitive), at any depth of objects and arrays, with "[REDACTED]".
class Redactor {
 public:
  explicit Redactor(const std::vector<std::string>& keys);
  void apply(Json* value) const;
  // False when `json_text` (as the JSON writer spells it) holds no secret
  // key anywhere, ASCII case aside: apply() on its parse would change
  // nothing. True when one appears, as a key or inside any string. Cost:
  // one pass to fold the text's case, then a search per secret key.
  bool may_apply(std::string_view json_text) const;

 private:
  bool is_secret(const std::string& key) const;
  std::vector<std::string> lowercase_keys_;
  // Each secret key as it appears inside JSON text (escaped as the JSON
  // writer escapes it), case folded.
  std::vector<std::string> folded_needles_;
};

}  // namespace streamll::detail
