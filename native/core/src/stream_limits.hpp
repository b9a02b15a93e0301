// How far the core follows a stream that starts late, stalls or jumps. Beyond this limit a
// picture is not repeated, silence is not padded and one stream's data does not wait for the
// other's: the memory a clip can cost is bounded by this many seconds of buffered crops and
// audio, whatever its timestamps claim. Real offsets and dropouts are far shorter.
#pragma once

namespace avlens {

constexpr double kMaxStreamGapSeconds = 60.0;

}  // namespace avlens
