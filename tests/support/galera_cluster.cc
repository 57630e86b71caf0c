#include "tests/support/galera_cluster.h"

#include <unistd.h>

#include <cstdlib>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "tests/support/process.h"

namespace rig::testing {
namespace {

constexpr char kProvider[] = "/usr/lib/galera/libgalera_smm.so";
constexpr int kLogTailLines = 20;

}  // namespace

absl::Status GaleraCluster::Available() {
  if (access(kProvider, R_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("no Galera provider (", kProvider,
                     "); install galera-4 (scripts/install-deps)"));
  }
  if (!FindExecutable("rsync", {"/usr/bin", "/usr/local/bin"}).ok()) {
    return absl::FailedPreconditionError(
        "no rsync (Galera's state transfer); install rsync "
        "(scripts/install-deps)");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<GaleraCluster>> GaleraCluster::Start() {
  return Start(Options());
}

absl::StatusOr<std::unique_ptr<GaleraCluster>> GaleraCluster::Start(
    const Options& options) {
  absl::Status status = Available();
  if (!status.ok()) return status;
  auto cluster = absl::WrapUnique(new GaleraCluster());
  status = cluster->Init(options);
  if (!status.ok()) return status;  // ~GaleraCluster cleans up.
  return cluster;
}

GaleraCluster::~GaleraCluster() {
  // Joiners first, so that no node waits for a departed bootstrap node.
  for (int i = size() - 1; i >= 0; --i) nodes_[i].reset();
}

std::vector<std::string> GaleraCluster::NodeConfig(int i) const {
  std::vector<std::string> members;
  for (int port : gcomm_ports_)
    members.push_back(absl::StrCat("127.0.0.1:", port));
  return {
      "wsrep_on=ON",
      absl::StrCat("wsrep_provider=", kProvider),
      "wsrep_cluster_name=rig-test",
      absl::StrCat("wsrep_cluster_address=gcomm://",
                   absl::StrJoin(members, ",")),
      absl::StrCat("wsrep_node_name=node", i + 1),
      "wsrep_node_address=127.0.0.1",
      absl::StrCat(
          "wsrep_provider_options=\"gmcast.listen_addr=tcp://127.0.0.1:",
          gcomm_ports_[i], ";ist.recv_addr=127.0.0.1:", ist_ports_[i],
          ";gcache.size=32M\""),
      absl::StrCat("wsrep_sst_receive_address=127.0.0.1:", sst_ports_[i]),
      "wsrep_sst_method=rsync",
      "binlog_format=ROW",
      "default_storage_engine=InnoDB",
      "innodb_autoinc_lock_mode=2",
      "innodb_buffer_pool_size=64M",
  };
}

absl::Status GaleraCluster::Init(const Options& options) {
  options_ = options;
  const int n = options_.nodes;
  for (auto* ports : {&sql_ports_, &gcomm_ports_, &ist_ports_, &sst_ports_}) {
    for (int i = 0; i < n; ++i) {
      int port = PickFreePort();
      if (port <= 0) {
        return absl::UnavailableError(
            "cannot get a free TCP port on 127.0.0.1");
      }
      ports->push_back(port);
    }
  }
  std::string password = options_.password;
  for (int i = 0; i < n; ++i) {
    MariaDbServer::Options o;
    o.extra_mysqld_options = NodeConfig(i);
    o.port = sql_ports_[i];
    o.password = password;
    o.os_user_if_root = "mysql";  // rsync's daemon cannot read root's 0700
    o.create_user_and_database = i == 0;
    o.startup_timeout = options_.sync_timeout;
    if (i == 0) o.first_launch_args = {"--wsrep-new-cluster"};
    const absl::Time started = absl::Now();
    absl::StatusOr<std::unique_ptr<MariaDbServer>> node =
        MariaDbServer::Start(o);
    if (!node.ok()) {
      return absl::Status(
          node.status().code(),
          absl::StrCat("Galera node ", i + 1, " of ", n,
                       " did not start: ", node.status().message()));
    }
    nodes_.push_back(*std::move(node));
    if (i == 0) password = nodes_[0]->password();
    absl::Status synced = WaitSynced(options_.sync_timeout);
    if (!synced.ok()) return synced;
    fprintf(stderr, "GaleraCluster: node %d of %d Synced in %s\n", i + 1, n,
            absl::FormatDuration(absl::Now() - started).c_str());
  }
  return absl::OkStatus();
}

std::vector<std::string> GaleraCluster::Endpoints() const {
  std::vector<std::string> out;
  for (const auto& node : nodes_) {
    out.push_back(absl::StrCat(node->host(), ":", node->port()));
  }
  return out;
}

absl::StatusOr<std::string> GaleraCluster::Status(int i,
                                                  const std::string& variable) {
  absl::StatusOr<std::string> out =
      nodes_[i]->Sql(absl::StrCat("SHOW GLOBAL STATUS LIKE '", variable, "'"),
                     absl::Seconds(10));
  if (!out.ok()) return out.status();
  absl::string_view v = *out;
  const size_t tab = v.find('\t');
  if (tab == absl::string_view::npos) {
    return absl::NotFoundError(
        absl::StrCat("node ", i + 1, " has no status variable ", variable));
  }
  v.remove_prefix(tab + 1);
  v = absl::StripTrailingAsciiWhitespace(v);
  return std::string(v);
}

std::string GaleraCluster::Describe(int i) {
  absl::StatusOr<std::string> state = Status(i, "wsrep_local_state_comment");
  absl::StatusOr<std::string> size = Status(i, "wsrep_cluster_size");
  return absl::StrCat("node ", i + 1, " (127.0.0.1:", nodes_[i]->port(),
                      ") is ", state.ok() ? *state : state.status().ToString(),
                      " with cluster size ",
                      size.ok() ? *size : size.status().ToString(),
                      "; last lines of ", nodes_[i]->error_log_path(), ":\n",
                      nodes_[i]->ErrorLogTail(kLogTailLines));
}

absl::Status GaleraCluster::WaitSynced(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    int running = 0;
    for (auto& node : nodes_) running += node->Running() ? 1 : 0;
    int lagging = -1;
    for (int i = 0; i < size() && lagging < 0; ++i) {
      if (!nodes_[i]->Running()) continue;
      absl::StatusOr<std::string> state =
          Status(i, "wsrep_local_state_comment");
      absl::StatusOr<std::string> members = Status(i, "wsrep_cluster_size");
      if (!state.ok() || *state != "Synced" || !members.ok() ||
          std::atoi(members->c_str()) != running) {
        lagging = i;
      }
    }
    if (lagging < 0) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "Galera cluster not Synced with ", running, " members within ",
          absl::FormatDuration(timeout), ": ", Describe(lagging)));
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
}

absl::Status GaleraCluster::StopNode(int i) { return nodes_[i]->Stop(); }

absl::Status GaleraCluster::RestartNode(int i) {
  absl::Status status = nodes_[i]->Restart();
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat("Galera node ", i + 1,
                                     " did not restart: ", status.message()));
  }
  return WaitSynced(options_.sync_timeout);
}

}  // namespace rig::testing
