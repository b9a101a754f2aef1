// berth signing-key list | rotate | remove KID: the ES256 keys under <data_dir>/keys that sign
// registry access and refresh tokens. The daemon reads them at start, so a rotation takes effect
// at the next start; tokens signed by a retired key keep verifying until that key is removed.

#include <iostream>

#include "auth/signing_keys.h"
#include "cli/commands.h"
#include "cli/daemon_options.h"

namespace berth::cli {

int runSigningKey(const std::vector<std::string>& argv) {
  auto specs = daemonFlags();
  auto args = parseArgs(argv, specs, "signing-key");
  if (!args.ok()) return reportError(args.error().message);
  const auto& words = args->positional();
  if (args->has("--help") || words.empty()) {
    std::cout << usage("signing-key list|rotate|remove <kid>",
                       "Manages the keys that sign registry tokens (<data_dir>/keys).\n"
                       "  list          every key id, the active one marked with '*'\n"
                       "  rotate        create a key and make it sign new tokens; older keys still\n"
                       "                verify, so nobody is signed out. Restart berth serve to use it.\n"
                       "  remove <kid>  delete a retired key: tokens it signed stop verifying once\n"
                       "                berth serve restarts (wait out the token lifetime first)",
                       specs);
    return args->has("--help") ? 0 : 2;
  }
  auto config = daemonConfig(*args);
  if (!config.ok()) return reportError(config.error().message);
  const std::string& action = words[0];
  if (!(action == "list" || action == "rotate" || (action == "remove" && words.size() == 2)) ||
      (action != "remove" && words.size() != 1)) {
    return reportError("expected 'list', 'rotate' or 'remove <kid>'; see berth signing-key --help");
  }
  auto keys = auth::SigningKeySet::openDirectory(config->dataDir / "keys");
  if (!keys.ok()) return reportError(keys.error().message);
  if (action == "rotate") {
    auto kid = keys->rotate();
    if (!kid.ok()) return reportError(kid.error().message);
    std::cout << "new active key " << *kid << "; restart berth serve to sign with it\n";
    return 0;
  }
  if (action == "remove") {
    auto removed = keys->remove(words[1]);
    if (!removed.ok()) return reportError(removed.error().message);
    std::cout << "removed key " << words[1] << "\n";
    return 0;
  }
  for (const auto& kid : keys->kids()) {
    std::cout << (kid == keys->active().kid() ? "* " : "  ") << kid << "\n";
  }
  return 0;
}

}  // namespace berth::cli
