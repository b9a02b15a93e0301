// Speech for the synthetic clips: random English sentences spoken by espeak-ng, then placed in a
// room (reverberation, background noise) at conversational loudness, at 48 kHz mono.
#pragma once
#include <string>
#include <vector>

#include "avlens/synth/domain.hpp"
#include "avlens/synth/random.hpp"

namespace avlens::synth {

constexpr int kSampleRate = 48000;

// A random sentence of about `words` words from the generator's own word list (simple
// grammatical templates, so that prosody is sentence-like).
std::string random_sentence(Rng& rng, int words);

// espeak-ng's voice, rate and pitch on `text`, resampled to 48 kHz, peak-normalised, without the
// silence espeak adds before and after. Throws std::runtime_error if espeak-ng fails.
std::vector<float> speak(const Voice& voice, const std::string& text);

// The 16-bit mono PCM of a RIFF/WAVE byte stream (espeak-ng's --stdout writes a streaming
// header with an unknown data size: the data runs to the end). Throws on anything else.
std::vector<float> parse_wav_mono16(const std::vector<uint8_t>& bytes, int& sample_rate);

// Band-limited resampling (windowed sinc), deterministic.
std::vector<float> resample(const std::vector<float>& in, int from_rate, int to_rate);

// The acoustics of a clip's room and microphone.
struct Room {
  float reverb_mix = 0.15f;     // wet/dry of a small-room reverberation
  float reverb_time = 0.25f;    // seconds to decay by 60 dB
  float noise_db = -55.0f;      // background noise level, dBFS RMS
  float hum_db = -70.0f;        // mains hum (50 or 60 Hz with harmonics)
  float hum_hz = 50.0f;
  float speech_db = -22.0f;     // speech level, dBFS RMS over its active part
  float lowpass_hz = 9000.0f;   // microphone/codec bandwidth
};

Room sample_room(Domain d, Rng& rng);

// Dry speech -> speech in the room at the target level (reverberation, bandwidth). Deterministic.
std::vector<float> apply_room_to_speech(const std::vector<float>& dry, const Room& room, float speech_gain);
// The gain that brings dry speech to the room's speech level (RMS over samples above -40 dB of peak).
float speech_gain_for(const std::vector<float>& dry, const Room& room);
// The room's background (noise + hum) for `samples` samples, from its own random stream.
std::vector<float> room_background(const Room& room, size_t samples, uint64_t seed);

// RMS level in dBFS of x[begin, end).
double rms_db(const std::vector<float>& x, size_t begin, size_t end);

}  // namespace avlens::synth
