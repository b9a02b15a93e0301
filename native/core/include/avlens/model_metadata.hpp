// Reads the metadata_props of an ONNX model (a few protobuf fields, parsed directly so the core
// needs no protobuf library, natively or in wasm). The window geometry travels in the model.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace avlens {

// Throws Error(kInvalidArgument) when the bytes are not an ONNX model.
std::map<std::string, std::string> read_onnx_metadata(const uint8_t* data, size_t size);
std::map<std::string, std::string> read_onnx_metadata_file(const std::string& path);

}  // namespace avlens
