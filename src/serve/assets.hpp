// The dashboard's files (src/serve/web/ and Debian's Chart.js), embedded in
// the binary at build time by embed.py, so the page works offline.
#pragma once

#include <string_view>

namespace streamll::serve {

struct Asset {
  std::string_view path;          // "/", "/app.js", ...
  std::string_view content_type;
  std::string_view body;
};

// The asset served at `path`, or nullptr. Cost: a look through a few entries.
const Asset* find_asset(std::string_view path);

}  // namespace streamll::serve
