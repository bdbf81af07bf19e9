#include "streamll/type_pattern.hpp"

namespace streamll {

TypePattern::TypePattern(std::string_view pattern) {
  if (pattern.ends_with('*')) {
    text_ = pattern.substr(0, pattern.size() - 1);
    prefix_ = true;
  } else {
    text_ = pattern;
    // "" is every type; "rag." the prefix of "rag.retrieval.start".
    prefix_ = pattern.empty() || pattern.ends_with('.');
  }
}

}  // namespace streamll
