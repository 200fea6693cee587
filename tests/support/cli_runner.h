#pragma once
// Runs the built `speecht5` binary as a user would and captures what it printed.
#include <string>
#include <vector>

namespace speecht5::test {

struct CliResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Arguments are passed without a shell; `stdin_text` is fed to the process's standard input.
CliResult run_cli(const std::vector<std::string>& args, const std::string& stdin_text = "");

}  // namespace speecht5::test
