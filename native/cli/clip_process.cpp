#include "clip_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace avlens::cli {
namespace {

using Clock = std::chrono::steady_clock;

// The default time limit of one clip: far above what any clip of a dataset takes (a 10 min clip
// scores in minutes on a CPU), low enough that a hang costs one hour of a batch, not the batch.
constexpr double kDefaultClipSeconds = 3600;

const char* signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGTRAP: return "SIGTRAP";
    case SIGSYS: return "SIGSYS";
    default: return nullptr;
  }
}

std::string format_seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", s);
  return text;
}

struct Running {
  pid_t pid = -1;
  int fd = -1;  // its stdout; -1 once it reached end of file
  size_t job = 0;
  ClipProcessResult result;
  Clock::time_point deadline = Clock::time_point::max();
};

Running start(const std::vector<std::string>& args, size_t job, const ClipProcessLimits& limits) {
  std::vector<std::string> argv_strings = {"avlens"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("cannot make a pipe: ") + std::strerror(errno));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::runtime_error(std::string("cannot start a process for a clip: ") + std::strerror(errno));
  }
  if (pid == 0) {  // only async-signal-safe calls until exec: the parent may have threads
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // no orphan keeps decoding when the batch is stopped
    if (::getppid() != parent) ::_exit(127);
    if (limits.memory_bytes > 0) {
      const rlimit limit{static_cast<rlim_t>(limits.memory_bytes), static_cast<rlim_t>(limits.memory_bytes)};
      ::setrlimit(RLIMIT_AS, &limit);
    }
    const int null_in = ::open("/dev/null", O_RDONLY);
    if (null_in >= 0) ::dup2(null_in, 0);
    ::dup2(fds[1], 1);
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  Running r;
  r.pid = pid;
  r.result.pid = pid;
  r.fd = fds[0];
  r.job = job;
  if (limits.seconds > 0)
    r.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limits.seconds));
  return r;
}

// Reaps r if it has ended (blocking when `wait`); true when it has.
bool reap(Running& r, bool wait) {
  int status = 0;
  pid_t got;
  do got = ::waitpid(r.pid, &status, wait ? 0 : WNOHANG);
  while (got < 0 && errno == EINTR);
  if (got == 0) return false;
  if (got < 0) {  // cannot happen for our own child; report it as a failure, never hang
    r.result.exit_code = 127;
    return true;
  }
  if (WIFEXITED(status)) r.result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status) && !r.result.timed_out) r.result.signal = WTERMSIG(status);
  return true;
}

}  // namespace

std::string ClipProcessResult::failure(const ClipProcessLimits& limits) const {
  if (timed_out)
    return "timed_out: reading this clip took more than " + format_seconds(limits.seconds) +
           " s (--clip-timeout); it was stopped";
  if (signal == 0) return "";
  const char* name = signal_name(signal);
  std::string what = std::string("crashed: the process reading this clip was killed by ") +
                     (name ? name : "signal " + std::to_string(signal)) + " (" + ::strsignal(signal) + ")";
  if (signal == SIGKILL)
    what += limits.memory_bytes ? ", probably out of memory" : ", probably by the system for using too much memory";
  return what + "; the other clips are not affected";
}

void run_clip_processes(const std::vector<std::vector<std::string>>& jobs, int parallel,
                        const ClipProcessLimits& limits,
                        const std::function<void(size_t, const ClipProcessResult&)>& on_done) {
  parallel = std::max(1, parallel);
  std::vector<Running> running;
  size_t next = 0;
  while (next < jobs.size() || !running.empty()) {
    while (next < jobs.size() && running.size() < static_cast<size_t>(parallel)) {
      running.push_back(start(jobs[next], next, limits));
      ++next;
    }
    // Wait for output, an end of file or the nearest deadline.
    std::vector<pollfd> fds;
    bool waiting_for_exit = false;
    auto nearest = Clock::time_point::max();
    for (const auto& r : running) {
      if (r.fd >= 0) fds.push_back({r.fd, POLLIN, 0});
      else waiting_for_exit = true;
      nearest = std::min(nearest, r.deadline);
    }
    int timeout_ms = waiting_for_exit ? 20 : -1;
    if (nearest != Clock::time_point::max()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(nearest - Clock::now()).count();
      const int until = static_cast<int>(std::clamp<long long>(left + 1, 0, 60'000));
      timeout_ms = timeout_ms < 0 ? until : std::min(timeout_ms, until);
    }
    if (!fds.empty() || timeout_ms >= 0) {
      if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR)
        throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    }
    for (const auto& p : fds) {
      if (!p.revents) continue;
      auto r = std::find_if(running.begin(), running.end(), [&](const Running& x) { return x.fd == p.fd; });
      char buffer[65536];
      const ssize_t n = ::read(r->fd, buffer, sizeof buffer);
      if (n > 0) {
        r->result.out.append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(r->fd);
        r->fd = -1;
      }
    }
    const auto now = Clock::now();
    for (size_t i = 0; i < running.size();) {
      Running& r = running[i];
      if (!r.result.timed_out && now >= r.deadline) {
        r.result.timed_out = true;
        ::kill(r.pid, SIGKILL);
        if (r.fd >= 0) {
          ::close(r.fd);
          r.fd = -1;
        }
        reap(r, true);
      } else if (r.fd >= 0 || !reap(r, false)) {
        ++i;
        continue;
      }
      const ClipProcessResult result = std::move(r.result);
      const size_t job = r.job;
      running.erase(running.begin() + static_cast<long>(i));
      on_done(job, result);
    }
  }
}

std::set<std::string> clip_process_value_options() { return {"clip-timeout", "clip-memory"}; }
std::set<std::string> clip_process_flag_options() { return {"in-process", kClipChildFlag}; }

const char* clip_process_usage() {
  return "Each clip is read in its own process, so a clip that crashes the decoder, runs out of memory or\n"
         "hangs is reported as that clip's error (crashed: ... killed by SIGSEGV, timed_out: ...) and the\n"
         "others go on. --clip-timeout SECONDS (default 3600; 0 = none) stops a clip that takes longer;\n"
         "--clip-memory MB (default 16384; 0 = none; none by default on a GPU) bounds one clip's address\n"
         "space. --in-process reads every clip in this process instead (a crash then ends the batch).\n"
         "scan reads a single clip in its own process only when --clip-timeout or --clip-memory is given.\n";
}

ClipProcessLimits clip_process_limits(const Args& args) {
  ClipProcessLimits limits;
  limits.seconds = args.get_double("clip-timeout", kDefaultClipSeconds);
  const double mb = args.get_double("clip-memory", 16384);
  if (limits.seconds < 0 || mb < 0) throw std::invalid_argument("--clip-timeout and --clip-memory must be >= 0");
  if (mb > 0 && mb < 64) throw std::invalid_argument("--clip-memory must be at least 64 (MB), or 0 for no limit");
  limits.memory_bytes = static_cast<size_t>(std::min(mb, 1e9) * 1024 * 1024);
  return limits;
}

std::vector<std::string> argv_without(const std::vector<std::string>& argv, const std::set<std::string>& value_options,
                                      const std::set<std::string>& drop) {
  std::vector<std::string> kept;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() <= 2 || a.compare(0, 2, "--") != 0) continue;  // a positional
    const std::string name = a.substr(2, a.find('=') == std::string::npos ? std::string::npos : a.find('=') - 2);
    const bool takes_next = value_options.count(name) && a.find('=') == std::string::npos;
    if (!drop.count(name)) {
      kept.push_back(a);
      if (takes_next && i + 1 < argv.size()) kept.push_back(argv[i + 1]);
    }
    if (takes_next) ++i;
  }
  return kept;
}

}  // namespace avlens::cli
