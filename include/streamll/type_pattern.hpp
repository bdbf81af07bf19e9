// TypePattern: the one grammar for choosing event types, wherever a type is
// chosen (RuntimeOptions allow/deny, EventFilter and the CLI's --type,
// consumer subscriptions, the Python package):
//   ""  or "*"             every type
//   "rag.*"                a prefix: every type starting with "rag."
//   "rag."                 a prefix too (the same types as "rag.*")
//   "rag.retrieval.start"  exactly that type; "rag" is the type "rag" only
//
// Thread-safety: a plain value; const use from many threads is safe.
#pragma once

#include <string>
#include <string_view>

namespace streamll {

class TypePattern {
 public:
  TypePattern() = default;  // every type
  // Parses `pattern` by the grammar above; every string is a valid pattern.
  TypePattern(std::string_view pattern);  // NOLINT: implicit, so "rag.*" reads as a pattern
  TypePattern(const std::string& pattern) : TypePattern(std::string_view(pattern)) {}  // NOLINT
  TypePattern(const char* pattern) : TypePattern(std::string_view(pattern)) {}         // NOLINT

  // Cost: one comparison of at most the pattern's length.
  bool matches(std::string_view event_type) const {
    return prefix_ ? event_type.starts_with(text_) : event_type == text_;
  }
  bool matches_all() const { return prefix_ && text_.empty(); }
  // A prefix pattern ("rag.*", "rag."), or one exact type.
  bool is_prefix() const { return prefix_; }
  // The prefix (without the '*'), or the exact type.
  const std::string& text() const { return text_; }

  friend bool operator==(const TypePattern&, const TypePattern&) = default;

 private:
  std::string text_;
  bool prefix_ = true;
};

}  // namespace streamll
