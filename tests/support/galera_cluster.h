// A private, throw-away MariaDB Galera cluster on 127.0.0.1 for tests: N
// MariaDbServer nodes with wsrep settings, node 1 bootstrapping
// (--wsrep-new-cluster), the others joining by rsync state transfer.
// Independent of GoogleTest.
//
//   if (absl::Status s = GaleraCluster::Available(); !s.ok()) skip(s);
//   auto cluster = GaleraCluster::Start();
//   ASSERT_TRUE(cluster.ok()) << cluster.status();
//   // (*cluster)->Endpoints(): "127.0.0.1:P1", ...; user rig, database rig.
//
// Needs galera-4 and rsync (scripts/install-deps). Not thread-safe. The
// destructor stops every node and removes its directory.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/mariadb_server.h"

namespace rig::testing {

class GaleraCluster {
 public:
  struct Options {
    int nodes = 3;
    // The rig user's password. Empty: random.
    std::string password;
    // How long a node may take to join and be Synced, per node.
    absl::Duration sync_timeout = absl::Seconds(90);
  };

  // OK if this machine can run a cluster (Galera provider and rsync
  // present); FailedPrecondition naming what is missing otherwise.
  static absl::Status Available();

  // Starts node 1 (bootstraps), then the joiners one by one, waits until
  // every node sees wsrep_cluster_size == nodes and is Synced, and creates
  // user and database `rig` once, on node 1 (replicated). On failure the
  // message names the node and carries the tail of its error log.
  static absl::StatusOr<std::unique_ptr<GaleraCluster>> Start();
  static absl::StatusOr<std::unique_ptr<GaleraCluster>> Start(
      const Options& options);

  GaleraCluster(const GaleraCluster&) = delete;
  GaleraCluster& operator=(const GaleraCluster&) = delete;
  ~GaleraCluster();

  int size() const { return static_cast<int>(nodes_.size()); }
  // Node i, 0-based.
  MariaDbServer& node(int i) { return *nodes_[i]; }
  // "127.0.0.1:PORT" of each node, in order.
  std::vector<std::string> Endpoints() const;
  const std::string& password() const { return nodes_[0]->password(); }

  // Clean shutdown of node i; the others go on as a smaller cluster.
  absl::Status StopNode(int i);
  // Starts node i again (it rejoins, by incremental state transfer) and
  // waits until the whole cluster is Synced.
  absl::Status RestartNode(int i);

  // Waits until every running node is Synced and sees as many members as
  // there are running nodes. DeadlineExceeded naming the node otherwise.
  absl::Status WaitSynced(absl::Duration timeout);

  // SHOW GLOBAL STATUS value of `variable` on node i.
  absl::StatusOr<std::string> Status(int i, const std::string& variable);

 private:
  GaleraCluster() = default;
  absl::Status Init(const Options& options);
  std::vector<std::string> NodeConfig(int i) const;
  std::string Describe(int i);

  Options options_;
  std::vector<int> gcomm_ports_, ist_ports_, sst_ports_, sql_ports_;
  std::vector<std::unique_ptr<MariaDbServer>> nodes_;
};

}  // namespace rig::testing
