// Sub-commands of the `avlens` CLI register themselves here: each lives in its own file
// (windows.cpp, train.cpp, ...) with AVLENS_COMMAND, and main.cpp dispatches by name.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace avlens::cli {

using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
  std::string name;
  std::string summary;  // one line for `avlens --help`
  CommandFn run;
};

std::map<std::string, Command>& command_registry();

struct CommandRegistrar {
  CommandRegistrar(const char* name, const char* summary, CommandFn fn) {
    command_registry()[name] = Command{name, summary, fn};
  }
};

}  // namespace avlens::cli

#define AVLENS_CLI_CONCAT2(a, b) a##b
#define AVLENS_CLI_CONCAT(a, b) AVLENS_CLI_CONCAT2(a, b)
#define AVLENS_COMMAND(name, summary, fn) \
  static ::avlens::cli::CommandRegistrar AVLENS_CLI_CONCAT(avlens_cmd_, __LINE__)(name, summary, fn)
