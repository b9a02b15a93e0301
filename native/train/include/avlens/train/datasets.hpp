// Lists of labelled videos from the datasets of docs/METHOD.md §5 (DFDC, FakeAVCeleb), from a generic CSV
// (path,label[,group]; also the synthetic generator's labels.csv), and their test protocols.
// A video's group keeps related videos on one side of a split (DFDC: the original a fake was
// made from; FakeAVCeleb: the source identity).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace avlens::train {

struct VideoItem {
  std::string path;   // absolute (the readers resolve relative paths)
  int label = 0;      // 1 = fake
  std::string group;  // videos sharing a group stay together in splits
  std::string kind;     // what made it: FakeAVCeleb category A-D, a generator's name; may be empty
  std::string stratum;  // a sampling stratum: FakeAVCeleb "race/gender"; may be empty
};

// DFDC: every metadata.json under root (dfdc_train_part_N/metadata.json).
std::vector<VideoItem> read_dfdc(const std::string& root);
// FakeAVCeleb: root/meta_data.csv; duplicate rows are dropped; categories B, C, D are fake.
std::vector<VideoItem> read_fakeavceleb(const std::string& root);
// A CSV with a header naming at least path and label (0/1, real/fake); group is optional
// (defaults to the path), so is kind (or generator). Relative paths are resolved against the
// CSV's folder.
std::vector<VideoItem> read_video_csv(const std::string& csv_path);
// Writes path,label,group,kind (a split list that read_video_csv reads back).
void write_video_csv(const std::string& csv_path, const std::vector<VideoItem>& items);

// Picks the reader from what the path is: a .csv file, a folder with meta_data.csv
// (FakeAVCeleb) or a folder with metadata.json files (DFDC). "dfdc:", "fakeavceleb:" and "csv:"
// prefixes force one.
std::vector<VideoItem> read_dataset(const std::string& spec);

struct DatasetSplit {
  std::vector<VideoItem> train, test;
};
// The DFDC protocol: a balanced training set (7 650 real + 7 650 fake) and an imbalanced test
// set (2 293 fake + 407 real), disjoint by group, drawn with the seed. Throws naming the shortfall
// when the dataset is too small for the counts.
struct DfdcCounts {
  size_t train_real = 7650, train_fake = 7650, test_real = 407, test_fake = 2293;
};
DatasetSplit dfdc_protocol(const std::vector<VideoItem>& items, uint64_t seed, const DfdcCounts& counts = {});
// The FakeAVCeleb cross-dataset test set as the reference draws it: per stratum (race x gender)
// `per_stratum` identities (groups) that have a real video, each giving one real (category A) and
// one fake whose category is drawn uniformly from B, C, D among those the identity has: 70 + 70
// for the dataset's 10 strata. Throws naming the stratum that has too few identities.
std::vector<VideoItem> fakeavceleb_test_set(const std::vector<VideoItem>& items, uint64_t seed, size_t per_stratum = 7);

// A split by group for one's own data (a corpus of people): whole groups go to test until it holds
// about test_fraction of the groups that have a real video; every video whose kind is in
// holdout_kinds (say a generator) goes to test too, so that kind is never seen in training.
// Throws when either side would be empty.
DatasetSplit group_protocol(const std::vector<VideoItem>& items, uint64_t seed, double test_fraction,
                            const std::vector<std::string>& holdout_kinds = {});

// Splits a CSV line (RFC 4180 quotes).
std::vector<std::string> split_csv_line(const std::string& line);

}  // namespace avlens::train
