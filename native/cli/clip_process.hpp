// One child process per clip for the batch commands (scan, prep): a clip that crashes the decoder
// (a signal, an abort), runs out of memory or hangs costs that clip only; the batch reports it and
// goes on (docs/RELIABILITY.md §2). The child is this same binary (/proc/self/exe) re-executed with
// a hidden per-clip option, so it shares no threads, locks or GPU context with the parent.
#pragma once
#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "args.hpp"

namespace avlens::cli {

struct ClipProcessLimits {
  double seconds = 0;       // wall-clock limit of one clip; 0 = none
  size_t memory_bytes = 0;  // address space of one clip's process (RLIMIT_AS); 0 = none
};

struct ClipProcessResult {
  int exit_code = -1;      // when it exited
  int signal = 0;          // when a signal ended it (not our time-limit kill)
  bool timed_out = false;  // ran past ClipProcessLimits::seconds and was killed
  std::string out;         // what it wrote on stdout
  int pid = 0;
  bool exited() const { return signal == 0 && !timed_out && exit_code >= 0; }
  // For a child that did not exit: "crashed: ..." or "timed_out: ..." (the "code: message" form of
  // the per-clip errors); "" when it exited.
  std::string failure(const ClipProcessLimits& limits) const;
};

// Runs `avlens ARGS...` once per job, at most `parallel` at once, with stdin from /dev/null, stdout
// captured and stderr shared with this process. on_done(job index, result) is called in this thread
// as each one ends (in order of completion).
void run_clip_processes(const std::vector<std::vector<std::string>>& jobs, int parallel,
                        const ClipProcessLimits& limits,
                        const std::function<void(size_t, const ClipProcessResult&)>& on_done);

// The options every batch command takes for its children: --clip-timeout SECONDS, --clip-memory MB,
// the flag --in-process (no child: the old behaviour, one crash ends the batch), and the hidden
// per-clip marker.
std::set<std::string> clip_process_value_options();
std::set<std::string> clip_process_flag_options();
const char* clip_process_usage();
ClipProcessLimits clip_process_limits(const Args& args);
constexpr const char* kClipChildFlag = "clip-child";  // hidden: "this process is one clip's child"

// argv without its positionals and without the given options (value options drop their value too),
// for handing the rest of a command line to a child.
std::vector<std::string> argv_without(const std::vector<std::string>& argv, const std::set<std::string>& value_options,
                                      const std::set<std::string>& drop);

}  // namespace avlens::cli
