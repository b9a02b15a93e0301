#include "args.hpp"

#include <cctype>
#include <cmath>
#include <iterator>

namespace avlens::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& value_options,
           const std::set<std::string>& flags, const std::map<std::string, std::string>& hints) {
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
        const auto hint = hints.find(name);
        throw std::invalid_argument("unknown option --" + name + (hint == hints.end() ? "" : ": " + hint->second));
      }
    } else {
      positionals_.push_back(a);
    }
  }
}

// A single-valued option given twice is ambiguous (which one was meant?): an error that names both
// values, rather than one of them silently. Repeatable options are read with get_all.
const std::string* Args::single(const std::string& name) const {
  auto range = values_.equal_range(name);
  if (range.first == range.second) return nullptr;
  if (std::next(range.first) != range.second)
    throw std::invalid_argument("option --" + name + " is given more than once ('" + range.first->second + "', '" +
                                std::next(range.first)->second + "'); give it once");
  return &range.first->second;
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
  const std::string* v = single(name);
  return v ? *v : fallback;
}

std::string Args::require(const std::string& name) const {
  const std::string* v = single(name);
  if (!v) throw std::invalid_argument("missing required option --" + name);
  return *v;
}

namespace {

// The whole text must be the number: no blanks, no trailing characters. `convert` is std::stoi or
// std::stod (which also throw for values out of range).
template <typename T, typename Convert>
bool parse_whole(const std::string& text, Convert convert, T* out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return false;
  try {
    size_t used = 0;
    *out = convert(text, &used);
    return used == text.size();
  } catch (const std::logic_error&) {  // invalid_argument, out_of_range
    return false;
  }
}

}  // namespace

int Args::get_int(const std::string& name, int fallback) const {
  const std::string* text = single(name);
  if (!text) return fallback;
  int v = 0;
  if (!parse_whole(*text, [](const std::string& t, size_t* used) { return std::stoi(t, used); }, &v))
    throw std::invalid_argument("option --" + name + " expects an integer, got '" + *text + "'");
  return v;
}

// Non-finite values are refused: NaN compares false with every threshold and limit, so
// `--threshold nan` would silently give a verdict.
double Args::get_double(const std::string& name, double fallback) const {
  const std::string* text = single(name);
  if (!text) return fallback;
  double v = 0;
  if (!parse_whole(*text, [](const std::string& t, size_t* used) { return std::stod(t, used); }, &v) ||
      !std::isfinite(v))
    throw std::invalid_argument("option --" + name + " expects a finite number, got '" + *text + "'");
  return v;
}

std::vector<std::string> Args::get_all(const std::string& name) const {
  std::vector<std::string> out;
  auto range = values_.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

}  // namespace avlens::cli
