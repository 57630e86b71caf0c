// Runs a fuzz target (LLVMFuzzerTestOneInput) without libFuzzer: every file
// of a corpus directory, then N seeded mutations of them (bit flips, byte
// inserts and deletes, splices of two inputs, repeated chunks). Not coverage
// guided; it keeps the target and the corpus honest in every build, while
// bench/fuzz_plan runs the real fuzzer.
//
//   replay CORPUS_DIR [MUTATIONS] [SEED]

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()),
                         input.size());
}

std::string Mutate(const std::vector<std::string>& corpus,
                   std::mt19937_64& rng) {
  std::string s = corpus[rng() % corpus.size()];
  const int steps = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < steps; ++i) {
    const size_t at = s.empty() ? 0 : rng() % s.size();
    switch (rng() % 6) {
      case 0:  // flip a bit
        if (!s.empty()) s[at] = static_cast<char>(s[at] ^ (1 << (rng() % 8)));
        break;
      case 1:  // insert a byte that YAML cares about
        s.insert(at, 1, "{}[]:,&*!|>'\"#-\n \t\0x"[rng() % 20]);
        break;
      case 2:  // delete a run
        if (!s.empty()) s.erase(at, 1 + rng() % 8);
        break;
      case 3: {  // splice another input in
        const std::string& other = corpus[rng() % corpus.size()];
        if (!other.empty()) s.insert(at, other.substr(rng() % other.size()));
        break;
      }
      case 4: {  // repeat a chunk (nesting, aliases)
        if (s.empty()) break;
        const std::string chunk = s.substr(at, 1 + rng() % 16);
        for (int r = static_cast<int>(rng() % 8); r > 0; --r)
          s.insert(at, chunk);
        break;
      }
      default:  // replace a byte with any byte
        if (!s.empty()) s[at] = static_cast<char>(rng() % 256);
        break;
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [MUTATIONS] [SEED]\n", argv[0]);
    return 2;
  }
  const long mutations = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 10000;
  const unsigned long seed = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 1;
  std::vector<std::string> corpus;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    corpus.push_back(text.str());
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "%s: no files in %s\n", argv[0], argv[1]);
    return 2;
  }
  for (const auto& input : corpus) Run(input);
  std::mt19937_64 rng(seed);
  for (long i = 0; i < mutations; ++i) Run(Mutate(corpus, rng));
  std::printf("%zu corpus inputs and %ld mutations (seed %lu): no crash\n",
              corpus.size(), mutations, seed);
  return 0;
}
