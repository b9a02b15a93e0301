// Dataset readers on small files written by the test: DFDC metadata.json, FakeAVCeleb
// meta_data.csv (unnamed last column, repeated rows), the generic CSV, and the protocols.
#include <gtest/gtest.h>

#include <map>

#include <filesystem>
#include <fstream>
#include <set>

#include "avlens/error.hpp"
#include "avlens/train/datasets.hpp"

using namespace avlens;
using namespace avlens::train;
namespace fs = std::filesystem;

namespace {
fs::path fresh_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("avlens_datasets_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}
void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}
}  // namespace

TEST(Dfdc, ReadsEveryPartFolderWithLabelsAndOriginals) {
  fs::path root = fresh_dir("dfdc");
  write(root / "dfdc_train_part_0" / "metadata.json",
        R"({"aaa.mp4": {"label": "REAL", "split": "train"},
            "bbb.mp4": {"label": "FAKE", "split": "train", "original": "aaa.mp4"}})");
  write(root / "dfdc_train_part_1" / "metadata.json",
        R"({"ccc.mp4": {"label": "FAKE", "split": "train", "original": "aaa.mp4"},
            "ddd.mp4": {"label": "REAL", "split": "train"}})");
  auto items = read_dfdc(root.string());
  ASSERT_EQ(items.size(), 4u);
  std::map<std::string, VideoItem> by_name;
  for (const auto& it : items) by_name[fs::path(it.path).filename().string()] = it;
  EXPECT_EQ(by_name["aaa.mp4"].label, 0);
  EXPECT_EQ(by_name["bbb.mp4"].label, 1);
  EXPECT_EQ(by_name["ccc.mp4"].path, (root / "dfdc_train_part_1" / "ccc.mp4").string());
  // A fake is grouped with its original, so a split never separates them.
  EXPECT_EQ(by_name["bbb.mp4"].group, "aaa.mp4");
  EXPECT_EQ(by_name["ccc.mp4"].group, "aaa.mp4");
  EXPECT_EQ(by_name["aaa.mp4"].group, "aaa.mp4");
  EXPECT_EQ(read_dataset(root.string()).size(), 4u);  // detected as DFDC

  write(root / "dfdc_train_part_2" / "metadata.json", R"({"eee.mp4": {"label": "MAYBE"}})");
  try {
    read_dfdc(root.string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("eee.mp4"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_dfdc((root / "missing").string()), Error);
}

TEST(FakeAvCeleb, UnnamedFolderColumnRepeatedRowsAndCategories) {
  fs::path root = fresh_dir("fakeavceleb");
  write(root / "meta_data.csv",
        "source,target1,target2,method,category,type,race,gender,path,\n"
        "id00076,-,-,real,A,RealVideo-RealAudio,African,men,00109.mp4,FakeAVCeleb/RealVideo-RealAudio/African/men/id00076\n"
        "id00076,-,-,rtvc,B,RealVideo-FakeAudio,African,men,00109_fake.mp4,FakeAVCeleb/RealVideo-FakeAudio/African/men/id00076\n"
        "id00076,-,-,rtvc,B,RealVideo-FakeAudio,African,men,00109_fake.mp4,FakeAVCeleb/RealVideo-FakeAudio/African/men/id00076\n"
        "id00166,id01076,-,faceswap,C,FakeVideo-RealAudio,Asian,women,00010_id01076_wavtolip.mp4,FakeAVCeleb/FakeVideo-RealAudio/Asian/women/id00166\n"
        "id00166,id01076,-,fsgan-wav2lip,D,FakeVideo-FakeAudio,Asian,women,\"00010_id01076, copy.mp4\",FakeAVCeleb/FakeVideo-FakeAudio/Asian/women/id00166\n");
  // The videos exist without the leading FakeAVCeleb/ folder for one of them: both layouts work.
  write(root / "RealVideo-RealAudio/African/men/id00076/00109.mp4", "x");
  auto items = read_fakeavceleb(root.string());
  ASSERT_EQ(items.size(), 4u);  // the repeated row is dropped
  EXPECT_EQ(items[0].label, 0);
  EXPECT_EQ(items[0].path, (root / "RealVideo-RealAudio/African/men/id00076/00109.mp4").string());
  EXPECT_EQ(items[1].label, 1);
  EXPECT_EQ(items[1].path, (root / "FakeAVCeleb/RealVideo-FakeAudio/African/men/id00076/00109_fake.mp4").string());
  EXPECT_EQ(items[2].label, 1);
  EXPECT_EQ(items[3].label, 1);
  EXPECT_EQ(fs::path(items[3].path).filename().string(), "00010_id01076, copy.mp4");  // quoted comma
  EXPECT_EQ(items[3].group, "id00166");
  EXPECT_EQ(items[0].kind, "A");
  EXPECT_EQ(items[0].stratum, "African/men");
  EXPECT_EQ(items[3].kind, "D");
  EXPECT_EQ(items[3].stratum, "Asian/women");
  EXPECT_EQ(read_dataset(root.string()).size(), 4u);  // detected as FakeAVCeleb

  write(root / "meta_data.csv", "source,target1,target2,method,category,type,race,gender,path,\n"
                                "id1,-,-,real,E,x,y,z,a.mp4,dir\n");
  EXPECT_THROW(read_fakeavceleb(root.string()), Error);
}

TEST(VideoCsv, GenericAndSyntheticLabelsRoundTrip) {
  fs::path root = fresh_dir("csv");
  write(root / "labels.csv",
        "path,label,kind,domain,seed\n"
        "clips/a.mp4,0,real,studio,1\n"
        "clips/b.mp4,1,lipsync,studio,2\n"
        "/abs/c.mp4,fake,swap,outdoor,3\n");
  auto items = read_video_csv((root / "labels.csv").string());
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].path, (root / "clips/a.mp4").string());  // relative to the CSV's folder
  EXPECT_EQ(items[0].group, items[0].path);                   // no group column
  EXPECT_EQ(items[1].label, 1);
  EXPECT_EQ(items[1].kind, "lipsync");
  EXPECT_EQ(items[2].path, "/abs/c.mp4");
  EXPECT_EQ(items[2].label, 1);
  EXPECT_EQ(read_dataset(root.string()).size(), 3u);  // a folder with labels.csv

  items[0].group = "speaker, one";
  write_video_csv((root / "split.csv").string(), items);
  auto back = read_video_csv((root / "split.csv").string());
  ASSERT_EQ(back.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back[i].path, items[i].path);
    EXPECT_EQ(back[i].label, items[i].label);
    EXPECT_EQ(back[i].group, items[i].group);
    EXPECT_EQ(back[i].kind, items[i].kind);
  }
  write(root / "bad.csv", "path,label\nx.mp4,2\n");
  try {
    read_video_csv((root / "bad.csv").string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
  write(root / "nolabel.csv", "path,kind\nx.mp4,real\n");
  EXPECT_THROW(read_video_csv((root / "nolabel.csv").string()), Error);
}

TEST(Protocols, DfdcSplitIsBalancedDisjointByGroupAndSeeded) {
  std::vector<VideoItem> items;
  for (int o = 0; o < 60; ++o) {
    const std::string original = "orig" + std::to_string(o) + ".mp4";
    items.push_back({original, 0, original});
    for (int f = 0; f < 3; ++f) items.push_back({"fake" + std::to_string(o) + "_" + std::to_string(f) + ".mp4", 1, original});
  }
  DfdcCounts counts;
  counts.train_real = 30, counts.train_fake = 30, counts.test_real = 5, counts.test_fake = 15;
  DatasetSplit a = dfdc_protocol(items, 7, counts), b = dfdc_protocol(items, 7, counts), c = dfdc_protocol(items, 8, counts);
  auto count = [](const std::vector<VideoItem>& v, int label) {
    return std::count_if(v.begin(), v.end(), [&](const VideoItem& it) { return it.label == label; });
  };
  EXPECT_EQ(count(a.train, 0), 30);
  EXPECT_EQ(count(a.train, 1), 30);
  EXPECT_EQ(count(a.test, 0), 5);
  EXPECT_EQ(count(a.test, 1), 15);
  std::set<std::string> train_groups, test_groups;
  for (const auto& it : a.train) train_groups.insert(it.group);
  for (const auto& it : a.test) test_groups.insert(it.group);
  for (const auto& g : test_groups) EXPECT_EQ(train_groups.count(g), 0u) << g;
  ASSERT_EQ(a.test.size(), b.test.size());
  for (size_t i = 0; i < a.test.size(); ++i) EXPECT_EQ(a.test[i].path, b.test[i].path);
  bool differs = false;
  for (size_t i = 0; i < a.test.size() && i < c.test.size(); ++i) differs |= a.test[i].path != c.test[i].path;
  EXPECT_TRUE(differs);
  counts.train_real = 1000;
  EXPECT_THROW(dfdc_protocol(items, 7, counts), Error);
}

TEST(Protocols, FakeAvCelebTestSetIsSevenIdentitiesPerRaceAndGender) {
  // 5 races x 2 genders, 10 identities each; every identity has 1 real, 2 B, 1 C and 3 D videos.
  std::vector<VideoItem> items;
  const char* races[] = {"African", "Asian (East)", "Asian (South)", "Caucasian (American)", "Caucasian (European)"};
  for (const char* race : races)
    for (const char* gender : {"men", "women"})
      for (int id = 0; id < 10; ++id) {
        const std::string who = std::string(race) + gender + std::to_string(id);
        const std::string stratum = std::string(race) + "/" + gender;
        items.push_back({"/d/" + who + "_A.mp4", 0, who, "A", stratum});
        for (int k = 0; k < 2; ++k) items.push_back({"/d/" + who + "_B" + std::to_string(k) + ".mp4", 1, who, "B", stratum});
        items.push_back({"/d/" + who + "_C.mp4", 1, who, "C", stratum});
        for (int k = 0; k < 3; ++k) items.push_back({"/d/" + who + "_D" + std::to_string(k) + ".mp4", 1, who, "D", stratum});
      }
  std::map<std::string, int> categories;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    auto test = fakeavceleb_test_set(items, seed);
    ASSERT_EQ(test.size(), 140u);
    std::map<std::string, int> real_per_stratum, fake_per_stratum;
    std::map<std::string, int> real_of, fake_of;  // per identity
    for (const auto& v : test) {
      (v.label ? fake_per_stratum : real_per_stratum)[v.stratum]++;
      (v.label ? fake_of : real_of)[v.group]++;
      if (v.label) categories[v.kind]++;
      else EXPECT_EQ(v.kind, "A");
    }
    EXPECT_EQ(real_per_stratum.size(), 10u);
    for (const auto& [stratum, n] : real_per_stratum) EXPECT_EQ(n, 7) << stratum;
    for (const auto& [stratum, n] : fake_per_stratum) EXPECT_EQ(n, 7) << stratum;
    // Each drawn identity gives exactly one real and one fake.
    EXPECT_EQ(real_of.size(), 70u);
    for (const auto& [who, n] : real_of) {
      EXPECT_EQ(n, 1) << who;
      EXPECT_EQ(fake_of[who], 1) << who;
    }
  }
  // Categories are uniform over B, C, D (not proportional to how many videos each has): 350 draws.
  for (const char* c : {"B", "C", "D"}) EXPECT_NEAR(categories[c], 350 / 3.0, 35) << c;
  EXPECT_EQ(categories.count("A"), 0u);
  // Seeded.
  auto a = fakeavceleb_test_set(items, 9), b = fakeavceleb_test_set(items, 9);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].path, b[i].path);
  // A stratum with too few identities is named.
  std::vector<VideoItem> few(items.begin(), items.begin() + 7 * 6);  // 6 identities of African/men
  try {
    fakeavceleb_test_set(few, 1);
    FAIL() << "6 identities accepted for 7";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("African/men"), std::string::npos) << e.what();
  }
}

TEST(Protocols, GroupSplitKeepsPeopleWholeAndHoldsOutAKind) {
  // 20 people, each 2 real clips and a fake by generator "a" or "b".
  std::vector<VideoItem> items;
  for (int p = 0; p < 20; ++p) {
    const std::string who = "person" + std::to_string(p);
    for (int k = 0; k < 2; ++k) items.push_back({"/d/" + who + "_" + std::to_string(k) + ".mp4", 0, who, ""});
    items.push_back({"/d/" + who + "_fake.mp4", 1, who, p % 2 ? "a" : "b"});
  }
  DatasetSplit split = group_protocol(items, 3, 0.25, {"b"});
  std::set<std::string> train_groups, test_real_groups;
  for (const auto& v : split.train) {
    train_groups.insert(v.group);
    EXPECT_NE(v.kind, "b") << "a held-out kind reached training";
  }
  for (const auto& v : split.test)
    if (v.label == 0) test_real_groups.insert(v.group);
  EXPECT_EQ(test_real_groups.size(), 5u);  // a quarter of the people
  for (const auto& g : test_real_groups) EXPECT_EQ(train_groups.count(g), 0u) << g;
  EXPECT_EQ(std::count_if(split.test.begin(), split.test.end(), [](const VideoItem& v) { return v.kind == "b"; }), 10);
  EXPECT_EQ(split.train.size() + split.test.size(), items.size());
  EXPECT_THROW(group_protocol(items, 3, 0.25, {"zzz"}), Error);
  EXPECT_THROW(group_protocol(items, 3, 1.5), Error);
}
