// Typed errors of the avlens core. Every failure that a user can cause (a bad file, a clip
// without a face) is reported as an avlens::Error with a code and a message that names the
// input and the reason; nothing in the core aborts the process on bad input.
#pragma once
#include <stdexcept>
#include <string>

namespace avlens {

enum class ErrorCode : int {
  kOk = 0,
  kFileNotFound = 1,      // path does not exist or cannot be opened
  kUnreadable = 2,        // not a media container, corrupt or truncated
  kNoVideoStream = 3,
  kNoAudioStream = 4,
  kUnsupportedCodec = 5,  // a stream exists but no decoder is available for it
  kTooShort = 6,          // shorter than one window
  kNoFace = 7,            // no face found in the clip
  kInvalidArgument = 8,   // bad option or geometry, bad model metadata
  kAborted = 9,           // the caller's abort callback asked to stop
  kInternal = 10,
};

// Stable, machine-readable name ("no_audio_stream") used in JSON and in the wasm API.
const char* error_code_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace avlens
