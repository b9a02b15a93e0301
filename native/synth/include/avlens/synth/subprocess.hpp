// Running the external tools the generator drives (espeak-ng, ffmpeg) without a shell: argv is
// passed as is, so text and paths never need quoting. Pipes are close-on-exec, so that tools
// started concurrently by other worker threads never inherit each other's pipe ends (which would
// keep a pipe open and hang the reader).
#pragma once
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace avlens::synth {

// Runs argv[0] (looked up on PATH) and returns its standard output. Throws std::runtime_error
// naming the tool and its standard error when it cannot start or exits with a non-zero status.
std::vector<uint8_t> run_capture(const std::vector<std::string>& argv);

// A child process that reads what we write to its standard input (ffmpeg fed raw frames).
class PipeWriter {
 public:
  explicit PipeWriter(const std::vector<std::string>& argv);
  ~PipeWriter();  // kills and reaps the child if finish() was not called
  PipeWriter(const PipeWriter&) = delete;
  PipeWriter& operator=(const PipeWriter&) = delete;

  void write(const void* data, size_t bytes);  // throws if the child has gone away
  // Closes its input and waits; throws with the child's standard error if it failed.
  void finish();

 private:
  std::string tool_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stderr_fd_ = -1;
};

// True when `tool` is an executable on PATH.
bool tool_available(const std::string& tool);

}  // namespace avlens::synth
