#pragma once
// Each subcommand lives in its own file and registers itself here, so commands can be added
// without touching main.cpp. `setup` declares the options on its CLI11 sub-app and returns the
// function that runs the command (its return value is the process exit status).
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace speecht5::cli {

using CommandRun = std::function<int()>;
using CommandSetup = std::function<CommandRun(CLI::App& sub)>;

struct CommandInfo {
  std::string name;
  std::string description;
  CommandSetup setup;
};

std::vector<CommandInfo>& command_registry();

struct RegisterCommand {
  RegisterCommand(std::string name, std::string description, CommandSetup setup) {
    command_registry().push_back({std::move(name), std::move(description), std::move(setup)});
  }
};

}  // namespace speecht5::cli
