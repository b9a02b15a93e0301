// `avlens COMMAND ...`: dispatches to the sub-commands registered with AVLENS_COMMAND.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "avlens/error.hpp"
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

static void print_usage() {
  std::printf("usage: avlens COMMAND [options]\n\ncommands:\n");
  for (const auto& [name, cmd] : avlens::cli::command_registry())
    std::printf("  %-10s %s\n", name.c_str(), cmd.summary.c_str());
  std::printf("\n`avlens COMMAND --help` describes a command.\n");
}

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    print_usage();
    return argc < 2 ? 2 : 0;
  }
  auto& registry = avlens::cli::command_registry();
  auto it = registry.find(argv[1]);
  if (it == registry.end()) {
    std::fprintf(stderr, "avlens: unknown command '%s'\n\n", argv[1]);
    print_usage();
    return 2;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  try {
    return it->second.run(args);
  } catch (const avlens::Error& e) {
    std::fprintf(stderr, "avlens %s: error [%s]: %s\n", argv[1], avlens::error_code_name(e.code()), e.what());
    return 1;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "avlens %s: %s\n", argv[1], e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "avlens %s: error: %s\n", argv[1], without_backtrace(e.what()).c_str());
    return 1;
  }
}
