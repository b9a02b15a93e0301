#include "args.hpp"

namespace avlens::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& value_options,
           const std::set<std::string>& flags) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      std::string name = a.substr(2), value;
      bool inline_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        inline_value = true;
      }
      if (value_options.count(name)) {
        if (!inline_value) {
          if (i + 1 >= argv.size()) throw std::invalid_argument("option --" + name + " needs a value");
          value = argv[++i];
        }
        values_.emplace(name, value);
      } else if (flags.count(name)) {
        if (inline_value) throw std::invalid_argument("option --" + name + " takes no value");
        flags_.insert(name);
      } else {
        throw std::invalid_argument("unknown option --" + name);
      }
    } else {
      positionals_.push_back(a);
    }
  }
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

std::string Args::require(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw std::invalid_argument("missing required option --" + name);
  return it->second;
}

int Args::get_int(const std::string& name, int fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  try {
    size_t used = 0;
    int v = std::stoi(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("");
    return v;
  } catch (...) {
    throw std::invalid_argument("option --" + name + " expects an integer, got '" + it->second + "'");
  }
}

double Args::get_double(const std::string& name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  try {
    size_t used = 0;
    double v = std::stod(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("");
    return v;
  } catch (...) {
    throw std::invalid_argument("option --" + name + " expects a number, got '" + it->second + "'");
  }
}

std::vector<std::string> Args::get_all(const std::string& name) const {
  std::vector<std::string> out;
  auto range = values_.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

}  // namespace avlens::cli
