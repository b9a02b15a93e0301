// A small, strict argument parser shared by the sub-commands: --key value, --flag, positionals.
// Unknown options are errors that name the option (no silent typos).
#pragma once
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace avlens::cli {

class Args {
 public:
  // value_options: options that take a value; flags: options without one; hints: for options this
  // command does not take but a person may try (a renamed one), what to use instead.
  Args(const std::vector<std::string>& argv, const std::set<std::string>& value_options,
       const std::set<std::string>& flags, const std::map<std::string, std::string>& hints = {});

  bool has(const std::string& name) const { return values_.count(name) > 0 || flags_.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback = "") const;
  std::string require(const std::string& name) const;  // throws std::invalid_argument naming it
  int get_int(const std::string& name, int fallback) const;
  double get_double(const std::string& name, double fallback) const;
  const std::vector<std::string>& positionals() const { return positionals_; }
  // All values given for a repeatable option (--opt a --opt b).
  std::vector<std::string> get_all(const std::string& name) const;

 private:
  const std::string* single(const std::string& name) const;  // throws when given more than once
  std::multimap<std::string, std::string> values_;
  std::set<std::string> flags_;
  std::vector<std::string> positionals_;
};

}  // namespace avlens::cli
