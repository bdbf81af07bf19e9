#!/usr/bin/env python3
"""Writes a C++ file that embeds the dashboard's files (see assets.hpp).

usage: embed.py OUT.cpp URL_PATH=FILE [URL_PATH=FILE ...]
"""
import mimetypes
import sys

TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


def main(out_path, pairs):
    lines = ['#include "serve/assets.hpp"', "", "namespace streamll::serve {", "", "namespace {", ""]
    entries = []
    for i, pair in enumerate(pairs):
        url, _, path = pair.partition("=")
        with open(path, "rb") as f:
            data = f.read()
        ext = path[path.rfind("."):]
        ctype = TYPES.get(ext) or mimetypes.guess_type(path)[0] or "application/octet-stream"
        lines.append(f"const unsigned char kData{i}[] = {{")
        for start in range(0, len(data), 24):
            lines.append("  " + ",".join(str(b) for b in data[start:start + 24]) + ",")
        lines.append("  0};")
        entries.append(f'  {{"{url}", "{ctype}", {{reinterpret_cast<const char*>(kData{i}), {len(data)}}}}},')
    lines += ["", "const Asset kAssets[] = {"] + entries + ["};", "", "}  // namespace", ""]
    lines += ["const Asset* find_asset(std::string_view path) {",
              "  for (const Asset& asset : kAssets) {",
              "    if (asset.path == path) return &asset;",
              "  }",
              "  return nullptr;",
              "}", "", "}  // namespace streamll::serve", ""]
    with open(out_path, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
