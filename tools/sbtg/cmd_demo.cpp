#include "tools/sbtg/commands.hpp"

namespace sbtg::cli {

void RegisterDemo(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("demo", "(not built yet)");
  sub->callback([&exit_code] { exit_code = ReportError("demo", Status::Unavailable("not implemented yet")); });
}

}  // namespace sbtg::cli
