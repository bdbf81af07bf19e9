#include <chrono>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "cli.hpp"
#include "interrupt.hpp"
#include "streamll/serve.hpp"

namespace streamll::cli {

namespace {

int run_serve(const Context& ctx, const ServeOptions& options) {
  catch_interrupts();
  std::unique_ptr<Store> store;
  if (Status s = open_for_read(ctx, &store); !s.ok()) return report(s);
  std::unique_ptr<Server> server;
  if (Status s = Server::start(*store, options, &server); !s.ok()) return report(s);
  std::string url = server->url();
  if (!options.token.empty()) url += "?token=" + options.token;
  fmt::print("streamll: serving {} at {} (Ctrl-C stops)\n", ctx.db, url);
  std::fflush(stdout);
  while (!interrupted()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server->stop();
  return kExitOk;
}

}  // namespace

void add_serve(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "serve",
      "A dashboard in the browser and a JSON API over the store, live beside a writing application:\n"
      "executions, span waterfalls, event types, a read-only SQL console, and Prometheus /metrics.\n"
      "It listens on loopback; any other --bind needs --token.");
  auto options = std::make_shared<ServeOptions>();
  cmd->add_option("--bind", options->bind, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", options->port, "Port (0: any free port)")->check(CLI::Range(0, 65535))->capture_default_str();
  cmd->add_option("--token", options->token,
                  "Secret a client must send (Authorization: Bearer T, or open /?token=T once)");
  auto limit_ms = std::make_shared<int64_t>(options->query_time_limit.count());
  cmd->add_option("--query-time-limit", *limit_ms, "Milliseconds a SQL console query may run")
      ->check(CLI::Range(int64_t{1}, int64_t{3600000}))
      ->capture_default_str();
  cmd->callback([&ctx, options, limit_ms] {
    options->query_time_limit = std::chrono::milliseconds(*limit_ms);
    ctx.exit_code = run_serve(ctx, *options);
  });
}

}  // namespace streamll::cli
