// The generator's own word list for random sentences (written for this project; common English
// words only, sorted by part of speech so that templates give sentence-like prosody).
#pragma once
#include <string>
#include <vector>

namespace avlens::synth::words {

const std::vector<std::string>& nouns();
const std::vector<std::string>& adjectives();
const std::vector<std::string>& verbs_past();     // transitive, past tense
const std::vector<std::string>& verbs_present();  // intransitive, third person
const std::vector<std::string>& adverbs();
const std::vector<std::string>& places();         // "the kitchen", used after a preposition
const std::vector<std::string>& prepositions();
const std::vector<std::string>& subjects();       // pronouns and names

}  // namespace avlens::synth::words
