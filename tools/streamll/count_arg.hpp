// A CLI11 check for options that take a count (N >= 0): a plain message
// instead of a negative number wrapping around in a size_t.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace streamll::cli {

inline CLI::Validator count_arg() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (!value.empty() && value.find_first_not_of("0123456789") == std::string::npos) return "";
        return "expected a whole number, 0 or more, not '" + value + "'";
      },
      "N");
}

}  // namespace streamll::cli
