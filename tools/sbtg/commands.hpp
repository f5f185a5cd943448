// The `sbtg` command-line program: one Register* per subcommand, each in its own file.
// A subcommand's callback stores the process exit code in `exit_code` (0 = success); errors are
// printed to stderr as "sbtg <command>: error: <message>".
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "sbtg/status.hpp"

namespace sbtg::cli {

void RegisterSimulate(CLI::App& app, int& exit_code);
void RegisterFit(CLI::App& app, int& exit_code);
void RegisterEval(CLI::App& app, int& exit_code);
void RegisterDemo(CLI::App& app, int& exit_code);
void RegisterStream(CLI::App& app, int& exit_code);
void RegisterTail(CLI::App& app, int& exit_code);

// Prints "sbtg <command>: error: <status>" to stderr and returns the exit code for it (1).
int ReportError(const std::string& command, const Status& status);

}  // namespace sbtg::cli
