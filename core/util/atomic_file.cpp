#include "core/util/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "core/util/error.h"

namespace xp {

namespace {

std::string temp_name_for(const std::filesystem::path& path) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return str_cat(path.string(), ".tmp.", getpid(), ".", rng() % 1000000);
}

}  // namespace

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  write_via_temp(path, [&](const std::string& temp) {
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(str_cat("cannot write '", path.string(), "': ", std::strerror(errno)));
    std::size_t written = 0;
    while (written < content.size()) {
      const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int saved = errno;
        ::close(fd);
        throw Error(str_cat("cannot write '", path.string(), "': ", std::strerror(saved)));
      }
      written += static_cast<std::size_t>(n);
    }
    // fsync so that the rename never exposes a file whose data is still only in the page cache.
    ::fsync(fd);
    ::close(fd);
  });
}

std::string why_not_replaceable(const std::filesystem::path& path) {
  // rename(2) replaces whatever has the name: a device node (`--out /dev/null` as root), a symbolic
  // link, a named pipe. Only a regular file is ours to replace.
  struct stat existing {};
  if (::lstat(path.c_str(), &existing) != 0 || S_ISREG(existing.st_mode)) return "";
  return str_cat("will not write '", path.string(), "': it exists and is not a regular file (",
                 S_ISDIR(existing.st_mode)                                ? "a folder"
                 : S_ISLNK(existing.st_mode)                              ? "a symbolic link"
                 : S_ISCHR(existing.st_mode) || S_ISBLK(existing.st_mode) ? "a device"
                                                                          : "a pipe or socket",
                 "); name a new file, or a regular one to replace");
}

void write_via_temp(const std::filesystem::path& path,
                    const std::function<void(const std::string& temp)>& write) {
  if (const std::string refusal = why_not_replaceable(path); !refusal.empty()) throw Error(refusal);
  const std::string temp = temp_name_for(path);
  try {
    write(temp);
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    throw Error(str_cat("cannot rename into '", path.string(), "': ", std::strerror(saved)));
  }
}

std::string read_file(const std::filesystem::path& path) {
  // A folder opens as a stream whose size reads as 2^63 - 1 (a raw "basic_string::_M_create").
  if (std::error_code ignored; std::filesystem::is_directory(path, ignored))
    throw DataError(path.string(), "is a folder, not a file");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw DataError(path.string(), "cannot open for reading");
  // One read into a string of the file's size (the loader reads every image through here).
  const std::streamoff size = in.tellg();
  if (size >= 0) {
    std::string content(static_cast<std::size_t>(size), '\0');
    in.seekg(0);
    if (in.read(content.data(), size)) return content;
  }
  // Not seekable (a pipe), or changed while read: stream whatever it holds.
  in.clear();
  in.seekg(0);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace xp
