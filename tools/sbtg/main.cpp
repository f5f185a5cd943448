// sbtg: Score-Block Time Graphs — simulate, fit, evaluate, and (later) stream.
#include <fmt/core.h>

#include <CLI/CLI.hpp>

#include "tools/sbtg/commands.hpp"

namespace sbtg::cli {

int ReportError(const std::string& command, const Status& status) {
  fmt::print(stderr, "sbtg {}: error: {}\n", command, status.ToString());
  return 1;
}

}  // namespace sbtg::cli

int main(int argc, char** argv) {
  CLI::App app{"sbtg — directed, lag-specific circuit inference from population activity"};
  app.require_subcommand(1);
  int exit_code = 0;
  sbtg::cli::RegisterDemo(app, exit_code);
  sbtg::cli::RegisterSimulate(app, exit_code);
  sbtg::cli::RegisterFit(app, exit_code);
  sbtg::cli::RegisterEval(app, exit_code);
  sbtg::cli::RegisterStream(app, exit_code);
  sbtg::cli::RegisterTail(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const sbtg::SetupError& e) {
    fmt::print(stderr, "sbtg: error: {}\n", e.what());
    return 2;
  }
  return exit_code;
}
