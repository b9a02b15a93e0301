#include "avlens/synth/subprocess.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace avlens::synth {
namespace {

struct Pipe {
  int read = -1, write = -1;
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    read = fds[0];
    write = fds[1];
  }
};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Starts argv with the given fds as its stdin/stdout/stderr (-1: /dev/null for stdin, inherit otherwise).
pid_t spawn(const std::vector<std::string>& argv, int in_fd, int out_fd, int err_fd) {
  if (argv.empty()) throw std::invalid_argument("spawn: empty command");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (in_fd >= 0)
    posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  else
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (out_fd >= 0) posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  if (err_fd >= 0) posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot run '" + argv[0] + "': " + std::strerror(rc));
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

// Reads stdout and stderr of a child until both close (poll: neither pipe may fill and block it).
void drain(int out_fd, int err_fd, std::vector<uint8_t>* out, std::string& err) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open = (out_fd >= 0) + (err_fd >= 0);
  if (out_fd < 0) fds[0].fd = -1;
  if (err_fd < 0) fds[1].fd = -1;
  uint8_t buf[65536];
  while (open > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        if (i == 0 && out) out->insert(out->end(), buf, buf + n);
        if (i == 1 && err.size() < 16384) err.append(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open;
      }
    }
  }
}

void ignore_sigpipe_once() {
  // A child that dies while we write must give us an error (EPIPE), not kill the generator.
  static const bool done = [] {
    signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)done;
}

}  // namespace

std::vector<uint8_t> run_capture(const std::vector<std::string>& argv) {
  Pipe out, err;
  const pid_t pid = spawn(argv, -1, out.write, err.write);
  close_fd(out.write);
  close_fd(err.write);
  std::vector<uint8_t> bytes;
  std::string message;
  drain(out.read, err.read, &bytes, message);
  close_fd(out.read);
  close_fd(err.read);
  const int code = wait_exit(pid);
  if (code != 0)
    throw std::runtime_error("'" + argv[0] + "' failed (exit " + std::to_string(code) + "): " + message);
  return bytes;
}

PipeWriter::PipeWriter(const std::vector<std::string>& argv) : tool_(argv.empty() ? "" : argv[0]) {
  ignore_sigpipe_once();
  Pipe in, err;
  pid_ = spawn(argv, in.read, -1, err.write);
  ::close(in.read);
  ::close(err.write);
  stdin_fd_ = in.write;
  stderr_fd_ = err.read;
  // The child's stderr is read at the end; make it non-blocking so a chatty child cannot stall on
  // a full pipe while we wait for it to read our input. (Tools are run quiet, so it stays small.)
  fcntl(stderr_fd_, F_SETFL, fcntl(stderr_fd_, F_GETFL) | O_NONBLOCK);
}

PipeWriter::~PipeWriter() {
  if (pid_ > 0) {
    close_fd(stdin_fd_);
    kill(pid_, SIGKILL);
    wait_exit(pid_);
  }
  close_fd(stdin_fd_);
  close_fd(stderr_fd_);
}

void PipeWriter::write(const void* data, size_t bytes) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(stdin_fd_, p, bytes);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string message;
      fcntl(stderr_fd_, F_SETFL, fcntl(stderr_fd_, F_GETFL) & ~O_NONBLOCK);
      close_fd(stdin_fd_);
      drain(-1, stderr_fd_, nullptr, message);
      throw std::runtime_error("'" + tool_ + "' stopped reading its input: " + message);
    }
    p += n;
    bytes -= static_cast<size_t>(n);
  }
}

void PipeWriter::finish() {
  close_fd(stdin_fd_);
  fcntl(stderr_fd_, F_SETFL, fcntl(stderr_fd_, F_GETFL) & ~O_NONBLOCK);
  std::string message;
  drain(-1, stderr_fd_, nullptr, message);
  close_fd(stderr_fd_);
  const int code = wait_exit(pid_);
  pid_ = -1;
  if (code != 0) throw std::runtime_error("'" + tool_ + "' failed (exit " + std::to_string(code) + "): " + message);
}

bool tool_available(const std::string& tool) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::string dirs(path);
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t end = dirs.find(':', start);
    const std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!dir.empty() && access((dir + "/" + tool).c_str(), X_OK) == 0) return true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return false;
}

}  // namespace avlens::synth
