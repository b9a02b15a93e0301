#include "avlens/error.hpp"

namespace avlens {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kFileNotFound: return "file_not_found";
    case ErrorCode::kUnreadable: return "unreadable";
    case ErrorCode::kNoVideoStream: return "no_video_stream";
    case ErrorCode::kNoAudioStream: return "no_audio_stream";
    case ErrorCode::kUnsupportedCodec: return "unsupported_codec";
    case ErrorCode::kTooShort: return "too_short";
    case ErrorCode::kNoFace: return "no_face";
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kAborted: return "aborted";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace avlens
