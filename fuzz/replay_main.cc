// Replays fuzz corpora through a fuzz target without libFuzzer, so every build (g++ included) and
// every CI run exercises the corpus. Arguments are corpus directories or single input files.
// Exit status is non-zero when an argument cannot be read or nothing was replayed: an empty or
// mistyped corpus path must fail the test rather than pass vacuously.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

bool replayFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return false;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  // Copied into an exactly-sized heap buffer so ASan catches reads past the end, as libFuzzer's
  // own driver would.
  std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
  std::uint8_t empty = 0;
  LLVMFuzzerTestOneInput(input.empty() ? &empty : input.data(), input.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t replayed = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::recursive_directory_iterator(arg, ec)) {
        if (entry.is_regular_file()) {
          files.push_back(entry.path());
        }
      }
      // Sorted so a failure reproduces in the same order on every machine.
      std::sort(files.begin(), files.end());
      for (const auto& file : files) {
        ok = replayFile(file) && ok;
        ++replayed;
      }
    } else if (fs::is_regular_file(arg, ec)) {
      ok = replayFile(arg) && ok;
      ++replayed;
    } else {
      std::fprintf(stderr, "no such corpus directory or file: %s\n", argv[i]);
      ok = false;
    }
  }
  std::printf("replayed %zu inputs\n", replayed);
  return ok && replayed > 0 ? 0 : 1;
}
