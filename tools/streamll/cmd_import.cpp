#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "cli.hpp"
#include "streamll/jsonl.hpp"

namespace streamll::cli {

namespace {

struct ImportArgs {
  std::string file;
  bool skip_invalid = false;
};

int run_import(const Context& ctx, const ImportArgs& args) {
  ImportOptions options;
  options.source_name = args.file;
  options.skip_invalid = args.skip_invalid;
  std::ifstream file;
  std::istream* in = &std::cin;
  if (args.file != "-") {
    std::error_code ec;
    if (std::filesystem::is_directory(args.file, ec)) {
      return report(Status::invalid_argument(fmt::format("cannot import {}: it is a directory, not a JSONL file", args.file)));
    }
    file.open(args.file, std::ios::binary);
    if (!file) {
      return report(Status::invalid_argument(fmt::format("cannot open {}: {}", args.file, std::strerror(errno))));
    }
    in = &file;
  }
  std::unique_ptr<Store> store;
  if (Status s = open_for_write(ctx, &store); !s.ok()) return report(s);
  ImportReport result;
  const Status s = import_jsonl(*in, store.get(), options, &result);
  if (args.skip_invalid) {
    for (const auto& problem : result.problems) fmt::print(stderr, "skipped {}\n", problem);
  }
  if (!s.ok()) return report(s);
  constexpr size_t kShown = 20;
  for (size_t i = 0; i < result.conflicts.size() && i < kShown; ++i) {
    fmt::print(stderr, "warning: {}\n", result.conflicts[i]);
  }
  if (result.conflicts.size() > kShown) {
    fmt::print(stderr, "warning: … and {} more events whose event_id is stored with other content\n",
               result.conflicts.size() - kShown);
  }
  const std::string conflicts =
      result.conflicts.empty() ? "" : fmt::format(", {} of them with other content", result.conflicts.size());
  fmt::print("imported {} events from {} ({} duplicates skipped{}, {} invalid lines skipped); {} holds {} events\n",
             result.imported, args.file, result.duplicates, conflicts, result.invalid, ctx.db, store->last_seq());
  return kExitOk;
}

}  // namespace

void add_import(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ImportArgs>();
  auto* cmd = app.add_subcommand(
      "import", "Import events from a JSONL file (upstream streamll format); '-' reads stdin.\n"
                "A bad line fails the import and nothing is written, unless --skip-invalid.\n"
                "Events already stored (same event_id) are skipped; a warning names each\n"
                "whose content differs from the stored one.");
  cmd->add_option("FILE", args->file, "JSONL file, or - for stdin")->required();
  cmd->add_flag("--skip-invalid", args->skip_invalid, "Import the good lines and report each bad one");
  cmd->callback([&ctx, args] { ctx.exit_code = run_import(ctx, *args); });
}

}  // namespace streamll::cli
