# The wasm builds of avlens_core's two dependencies, for native/core/CMakeLists.txt to read:
#   AVLENS_FFMPEG_INCLUDE_DIRS / AVLENS_FFMPEG_LIBRARIES   FFmpeg static libs from wasm/build_ffmpeg.sh
#   AVLENS_DLIB_INCLUDE_DIRS / AVLENS_DLIB_LIBRARIES / AVLENS_DLIB_DEFINITIONS
#                                                           dlib from Debian's source package
#
# It must be read before native/core is added, i.e. right after project(). wasm/build.sh does that
# with -DCMAKE_PROJECT_INCLUDE=wasm/deps.cmake; the top-level CMakeLists.txt may include() it
# instead (the include guard makes both safe together).
#
# Both dependencies are fetched and built outside CMake (wasm/build_ffmpeg.sh, and
# wasm/fetch_debian_source.sh for dlib) into AVLENS_WASM_DEPS_DIR (default BUILD_DIR/deps).
include_guard(GLOBAL)
if(NOT EMSCRIPTEN)
  return()
endif()

# Every C++ object of the wasm build takes part in C++ exceptions: the core reports bad input by
# throwing avlens::Error, and Emscripten's default (no catching) would abort instead.
# Debian's Emscripten has only the JavaScript-based exception runtime in its frozen cache.
add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fexceptions>)
add_link_options(-fexceptions)

# Wasm SIMD (Chrome 91+, Firefox 89+, Safari 16.4+, Node 16.4+). -msse2 lets dlib's HOG use the
# same simd4f SSE2 code as the native x86-64 build (Emscripten maps SSE2 onto wasm SIMD exactly),
# so detections stay identical while it runs about twice as fast.
option(AVLENS_WASM_SIMD "Build the wasm core with wasm SIMD" ON)
if(AVLENS_WASM_SIMD)
  add_compile_options(-msimd128 $<$<COMPILE_LANGUAGE:CXX>:-msse2>)
  add_link_options(-msimd128)
endif()

set(AVLENS_WASM_DEPS_DIR "${CMAKE_BINARY_DIR}/deps" CACHE PATH "FFmpeg and dlib for wasm (see wasm/build.sh)")

# FFmpeg ---------------------------------------------------------------------------------------
set(_ffmpeg "${AVLENS_WASM_DEPS_DIR}/ffmpeg/install")
if(NOT EXISTS "${_ffmpeg}/.built")
  message(FATAL_ERROR "FFmpeg for wasm is missing in ${_ffmpeg}: run wasm/build.sh "
                      "(or wasm/build_ffmpeg.sh ${CMAKE_BINARY_DIR}) first")
endif()
set(AVLENS_FFMPEG_INCLUDE_DIRS "${_ffmpeg}/include")
set(AVLENS_FFMPEG_LIBRARIES)
foreach(_lib avformat avcodec swscale swresample avutil)  # dependants before dependencies
  list(APPEND AVLENS_FFMPEG_LIBRARIES "${_ffmpeg}/lib/lib${_lib}.a")
endforeach()

# dlib -----------------------------------------------------------------------------------------
# The frontal HOG face detector is header code (its weights are a string in a header) plus two
# compiled files: the base64 and entropy decoders that unpack those weights. dlib is built with
# its portable settings: no GUI, no BLAS/LAPACK, asserts off as in a Release build; its SIMD code
# is the SSE2 path, on wasm SIMD, with AVLENS_WASM_SIMD (compat/ has the one header it needs).
set(_dlib "${AVLENS_WASM_DEPS_DIR}/dlib/src")
if(NOT EXISTS "${_dlib}/dlib/image_processing/frontal_face_detector.h")
  message(FATAL_ERROR "dlib sources are missing in ${_dlib}: run wasm/build.sh first")
endif()
add_library(avlens_dlib STATIC
  "${_dlib}/dlib/base64/base64_kernel_1.cpp"
  "${_dlib}/dlib/entropy_decoder/entropy_decoder_kernel_2.cpp")
set(AVLENS_DLIB_DEFINITIONS DLIB_NO_GUI_SUPPORT DLIB_DISABLE_ASSERTS)
# SYSTEM: dlib's own warnings are not ours.
target_include_directories(avlens_dlib SYSTEM PUBLIC "${_dlib}" "${CMAKE_CURRENT_LIST_DIR}/compat")
target_compile_definitions(avlens_dlib PUBLIC ${AVLENS_DLIB_DEFINITIONS})
set(AVLENS_DLIB_INCLUDE_DIRS "${_dlib}" "${CMAKE_CURRENT_LIST_DIR}/compat")
set(AVLENS_DLIB_LIBRARIES avlens_dlib)
