// dlib's simd_check.h includes <mmintrin.h> with its SSE2 headers but uses no MMX. Emscripten
// has no MMX header (wasm SIMD has no 64-bit vectors) and clang's own one refuses non-x86
// targets, so the wasm build (AVLENS_WASM_SIMD) finds this one: SSE2 is all dlib needs.
#pragma once
#include <emmintrin.h>
