// Typed errors of the avlens core. Every failure that a user can cause (a bad file, a clip
// without a face) is reported as an avlens::Error with a code and a message that names the
// input and the reason; nothing in the core aborts the process on bad input.
#pragma once
#include <stdexcept>
#include <string>

namespace avlens {

// The one list of the core's error codes: X(C++ name, C API name, number, stable name). The C++
// enum, error_code_name(), the C API's enum avlens_error (checked by static_assert in c_api.cpp)
// and the wasm module's errorCodes() all come from it.
#define AVLENS_ERROR_CODES(X)                                                                         \
  X(kOk, AVLENS_OK, 0, "ok")                                                                          \
  X(kFileNotFound, AVLENS_FILE_NOT_FOUND, 1, "file_not_found")       /* no such file, or it cannot be opened */ \
  X(kUnreadable, AVLENS_UNREADABLE, 2, "unreadable")                 /* not media, corrupt or truncated */      \
  X(kNoVideoStream, AVLENS_NO_VIDEO_STREAM, 3, "no_video_stream")                                     \
  X(kNoAudioStream, AVLENS_NO_AUDIO_STREAM, 4, "no_audio_stream")                                     \
  X(kUnsupportedCodec, AVLENS_UNSUPPORTED_CODEC, 5, "unsupported_codec") /* a stream without a decoder */ \
  X(kTooShort, AVLENS_TOO_SHORT, 6, "too_short")                     /* shorter than one window */       \
  X(kNoFace, AVLENS_NO_FACE, 7, "no_face")                           /* no face found in the clip */     \
  X(kInvalidArgument, AVLENS_INVALID_ARGUMENT, 8, "invalid_argument") /* bad option, geometry or model metadata */ \
  X(kAborted, AVLENS_ABORTED, 9, "aborted")                          /* the caller's abort callback */   \
  X(kInternal, AVLENS_INTERNAL, 10, "internal")

enum class ErrorCode : int {
#define AVLENS_ERROR_ENUM(cxx, c, number, name) cxx = number,
  AVLENS_ERROR_CODES(AVLENS_ERROR_ENUM)
#undef AVLENS_ERROR_ENUM
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
