#include "avlens/error.hpp"

namespace avlens {

const char* error_code_name(ErrorCode code) {
  switch (code) {
#define AVLENS_ERROR_NAME(cxx, c, number, name) \
  case ErrorCode::cxx:                          \
    return name;
    AVLENS_ERROR_CODES(AVLENS_ERROR_NAME)
#undef AVLENS_ERROR_NAME
  }
  return "internal";
}

}  // namespace avlens
