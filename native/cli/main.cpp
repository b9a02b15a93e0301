// `avlens COMMAND ...`: dispatches to the sub-commands registered with AVLENS_COMMAND.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "avlens/error.hpp"
#include "avlens/version.h"
#include "command.hpp"

namespace avlens::cli {
std::map<std::string, Command>& command_registry() {
  static std::map<std::string, Command> registry;
  return registry;
}
}  // namespace avlens::cli

// LibTorch's errors carry a C++ backtrace in what(): a person needs the first line(s) only.
static std::string without_backtrace(const std::string& message) {
  const auto cut = message.find("\nException raised from");
  return cut == std::string::npos ? message : message.substr(0, cut);
}

// Asked for (--help): stdout; a usage error: stderr.
static void print_usage(std::FILE* to) {
  std::fprintf(to, "usage: avlens COMMAND [options]\n       avlens help COMMAND | --version\n\ncommands:\n");
  for (const auto& [name, cmd] : avlens::cli::command_registry())
    std::fprintf(to, "  %-10s %s\n", name.c_str(), cmd.summary.c_str());
  std::fprintf(to, "\n`avlens help COMMAND` (or `avlens COMMAND --help`, `-h`) describes a command.\n");
}

int main(int argc, char** argv) {
  const std::string first = argc < 2 ? "" : argv[1];
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  if (first == "--help" || first == "-h") {
    print_usage(stdout);
    return 0;
  }
  if (first == "--version" || first == "-V") {
    std::printf("avlens %s\n", AVLENS_VERSION);
    return 0;
  }
  auto& registry = avlens::cli::command_registry();
  // `avlens help CMD` is `avlens CMD --help`.
  const bool help_for = first == "help" && argc >= 3;
  if (first == "help" && argc == 2) {
    print_usage(stdout);
    return 0;
  }
  const std::string name = help_for ? argv[2] : first;
  auto it = registry.find(name);
  if (it == registry.end()) {
    std::fprintf(stderr, "avlens: unknown command '%s'\n\n", name.c_str());
    print_usage(stderr);
    return 2;
  }
  std::vector<std::string> args(argv + (help_for ? 3 : 2), argv + argc);
  if (help_for) args = {"--help"};
  for (auto& a : args)
    if (a == "-h") a = "--help";  // every command's short form
  try {
    return it->second.run(args);
  } catch (const avlens::Error& e) {
    std::fprintf(stderr, "avlens %s: error [%s]: %s\n", name.c_str(), avlens::error_code_name(e.code()), e.what());
    return 1;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "avlens %s: %s (see avlens help %s)\n", name.c_str(), e.what(), name.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "avlens %s: error: %s\n", name.c_str(), without_backtrace(e.what()).c_str());
    return 1;
  }
}
