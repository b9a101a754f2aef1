#include "registry/registry_directory.h"

namespace berth::registry {

RegistryDirectory::RegistryDirectory() : current_(std::make_shared<const Snapshot>()) {}

std::shared_ptr<RegistryInstance> RegistryDirectory::findByHost(std::string_view host) const {
  auto snap = current_.load();
  auto it = snap->byHost.find(host);
  return it == snap->byHost.end() ? nullptr : it->second.instance;
}

std::shared_ptr<RegistryInstance> RegistryDirectory::findByName(std::string_view name) const {
  auto snap = current_.load();
  auto it = snap->byName.find(name);
  return it == snap->byName.end() ? nullptr : it->second.instance;
}

std::vector<std::shared_ptr<RegistryInstance>> RegistryDirectory::all() const {
  auto snap = current_.load();
  std::vector<std::shared_ptr<RegistryInstance>> out;
  for (const auto& [name, served] : snap->byName) out.push_back(served.instance);
  return out;
}

void RegistryDirectory::publish(std::shared_ptr<const Snapshot> next) {
  current_.store(std::move(next));
}

}  // namespace berth::registry
