#include "words.hpp"

namespace avlens::synth::words {

const std::vector<std::string>& nouns() {
  static const std::vector<std::string> w = {
      "apple", "answer", "basket", "bicycle", "bottle", "bridge", "button", "candle", "carpet", "castle",
      "chair", "cloud", "coffee", "corner", "garden", "doctor", "engine", "farmer", "feather", "finger",
      "flower", "forest", "friend", "guitar", "hammer", "island", "jacket", "kettle", "ladder", "letter",
      "lemon", "market", "meadow", "mirror", "monkey", "morning", "mountain", "needle", "number", "ocean",
      "orange", "painter", "paper", "pencil", "picture", "planet", "pocket", "rabbit", "river", "rocket",
      "saddle", "sailor", "shadow", "silver", "singer", "sister", "window", "spider", "station", "story",
      "summer", "table", "teacher", "ticket", "tiger", "tomato", "tower", "train", "turtle", "valley",
      "village", "violin", "wagon", "winter", "wizard", "yellow", "zebra", "blanket", "cabinet", "captain",
      "dinner", "drawer", "puzzle", "lantern", "magnet", "napkin", "parrot", "pillow", "rainbow", "sandwich"};
  return w;
}
const std::vector<std::string>& adjectives() {
  static const std::vector<std::string> w = {
      "bright", "quiet", "heavy", "little", "golden", "gentle", "simple", "purple", "ancient", "careful",
      "clever", "crooked", "curious", "dusty", "early", "empty", "famous", "friendly", "frozen", "funny",
      "green", "happy", "hollow", "honest", "huge", "lazy", "lucky", "modern", "narrow", "noisy",
      "odd", "patient", "polite", "proud", "rapid", "rough", "rusty", "shiny", "silent", "sleepy",
      "smooth", "soft", "sour", "strange", "sudden", "sweet", "tall", "tiny", "warm", "wooden"};
  return w;
}
const std::vector<std::string>& verbs_past() {
  static const std::vector<std::string> w = {
      "opened", "carried", "painted", "followed", "noticed", "borrowed", "cleaned", "counted", "covered",
      "delivered", "dropped", "fixed", "found", "gathered", "hid", "lifted", "moved", "passed", "pulled",
      "pushed", "repaired", "returned", "showed", "visited", "watched", "wrapped", "brought", "bought",
      "caught", "chose", "described", "forgot", "held", "kept", "left", "lost", "made", "remembered",
      "sold", "took"};
  return w;
}
const std::vector<std::string>& verbs_present() {
  static const std::vector<std::string> w = {
      "waits", "listens", "travels", "sings", "laughs", "wanders", "works", "rests", "smiles", "whistles",
      "returns", "arrives", "speaks", "dances", "reads", "writes", "hurries", "pauses", "sleeps", "thinks"};
  return w;
}
const std::vector<std::string>& adverbs() {
  static const std::vector<std::string> w = {
      "slowly", "quickly", "quietly", "carefully", "happily", "suddenly", "gently", "loudly", "easily",
      "rarely", "often", "again", "today", "yesterday", "tonight", "together", "outside", "early", "later",
      "almost"};
  return w;
}
const std::vector<std::string>& places() {
  static const std::vector<std::string> w = {
      "the kitchen", "the station", "the garden", "the harbour", "the library", "the market", "the bridge",
      "the river", "the office", "the school", "the hallway", "the village", "the forest", "the beach",
      "the museum", "the bakery", "the park", "the hill", "the road", "the window"};
  return w;
}
const std::vector<std::string>& prepositions() {
  static const std::vector<std::string> w = {"near", "behind", "across", "inside", "beside", "under",
                                             "over", "around", "towards", "past"};
  return w;
}
const std::vector<std::string>& subjects() {
  static const std::vector<std::string> w = {
      "she", "he", "they", "we", "my brother", "our neighbour", "the old man", "the young woman", "Anna",
      "Peter", "Maria", "David", "Laura", "Tom", "Sofia", "James", "Elena", "Martin", "Grace", "Oliver"};
  return w;
}

}  // namespace avlens::synth::words
