#include "net/openssl_ptr.h"

#include <openssl/err.h>

namespace berth::net {

std::string openSslError(std::string_view what) {
  std::string out(what);
  bool first = true;
  while (unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    out += first ? ": " : "; ";
    out += text;
    first = false;
  }
  return out;
}

BioPtr memoryBio(std::string_view pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace berth::net
