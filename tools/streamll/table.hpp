// A plain-text table for terminal output: columns padded to their widest
// cell (counted in UTF-8 code points), two spaces apart. Control characters
// in cells are shown escaped (\n, \x1b), so a row stays one line and data
// cannot drive the terminal.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace streamll::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) { add(std::move(headers)); }
  void add(std::vector<std::string> row);
  void print(std::FILE* out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// The first `width` code points of `s`, with "…" when cut.
std::string truncate(const std::string& s, size_t width);

}  // namespace streamll::cli
