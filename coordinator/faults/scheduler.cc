#include "coordinator/faults/scheduler.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/base/duration.h"
#include "common/base/logging.h"
#include "common/base/proto_duration.h"
#include "coordinator/faults/exec.h"
#include "plan/fault_kinds.h"

namespace rig::coordinator {

FaultScheduler::FaultScheduler(const rig::v1::Plan& plan,
                               Clock::time_point timeline_start, Hooks hooks)
    : plan_(plan), timeline_start_(timeline_start), hooks_(std::move(hooks)) {}

FaultScheduler::~FaultScheduler() {
  Interrupt();
  Join();
}

void FaultScheduler::Begin(int64_t origin_us, int64_t length_us) {
  std::lock_guard<std::mutex> lock(mu_);
  if (begun_ || plan_.faults_size() == 0) return;
  begun_ = true;
  origin_us_ = origin_us;
  end_us_ = origin_us + length_us;
  for (int i = 0; i < plan_.faults_size(); ++i) {
    threads_.emplace_back(&FaultScheduler::RunFault, this, i);
  }
}

void FaultScheduler::Interrupt() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    interrupted_ = true;
  }
  cv_.notify_all();
}

void FaultScheduler::Join() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

int64_t FaultScheduler::NowUs() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() -
                                                               timeline_start_)
      .count();
}

bool FaultScheduler::WaitUntil(int64_t us) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_until(lock, timeline_start_ + std::chrono::microseconds(us),
                         [this] { return interrupted_; });
}

std::string FaultScheduler::Describe(const rig::v1::FaultAction& action) {
  if (!action.exec().empty()) return absl::StrCat("exec: ", action.exec());
  if (action.pause_load()) return "pause_load";
  if (action.has_set_rate()) {
    return action.set_rate().factor() > 0
               ? absl::StrFormat("set_rate: x%g", action.set_rate().factor())
               : absl::StrFormat("set_rate: %g ops/s in total",
                                 action.set_rate().rate());
  }
  if (action.kill_connections() > 0) {
    return absl::StrCat("kill_connections: ",
                        absl::StrFormat("%g", action.kill_connections() * 100),
                        "%");
  }
  return absl::StrCat("sql: ", absl::StrJoin(action.sql(), "; "));
}

rig::v1::FaultStep FaultScheduler::RunStep(int index, int occurrence,
                                           bool recover,
                                           const rig::v1::FaultAction& action,
                                           const std::string& what) {
  rig::v1::FaultStep step;
  step.set_what(what);
  step.set_exit_status(-1);
  step.set_start_offset_us(NowUs());
  const absl::Duration timeout = FromProto(plan_.faults(index).timeout());
  if (!action.exec().empty()) {
    const std::map<std::string, std::string> env(action.env().begin(),
                                                 action.env().end());
    ExecResult r = RunFaultCommand(action.exec(), env, timeout);
    step.set_ok(r.ok);
    step.set_outcome(r.outcome);
    step.set_exit_status(r.exit_status);
    step.set_output(r.output);
  } else {
    rig::v1::FaultCommand command;
    command.set_index(index);
    command.set_occurrence(occurrence);
    command.set_recover(recover);
    const rig::v1::FaultDone done = hooks_.run_on_agent(command, timeout);
    step.set_ok(done.ok());
    step.set_outcome(done.outcome());
  }
  step.set_end_offset_us(NowUs());
  return step;
}

void FaultScheduler::RunFault(int index) {
  const rig::v1::Fault& f = plan_.faults(index);
  const int64_t every_us =
      f.has_every() ? absl::ToInt64Microseconds(FromProto(f.every())) : 0;
  const int64_t duration_us =
      absl::ToInt64Microseconds(FromProto(f.duration()));
  const std::string name = f.name().empty() ? Describe(f.action()) : f.name();
  int64_t at = origin_us_ + absl::ToInt64Microseconds(FromProto(f.at()));
  for (int occurrence = 1; at < end_us_; ++occurrence, at += every_us) {
    if (!WaitUntil(at)) return;
    rig::v1::FaultRecord record;
    record.set_index(index);
    record.set_occurrence(occurrence);
    record.set_name(name);
    record.set_start_offset_us(NowUs());
    if (hooks_.progress) {
      hooks_.progress(absl::StrCat("fault ", index + 1, " (", name, ") #",
                                   occurrence, ": ", Describe(f.action())));
    }
    *record.mutable_action() =
        RunStep(index, occurrence, false, f.action(), Describe(f.action()));
    RIG_LOG(Info) << "fault " << index + 1 << " (" << name << ") #"
                  << occurrence << ": " << record.action().outcome();
    // The fault lasts `duration` from its start; the run's end (or a stop)
    // cuts it short so that its recover still runs.
    const int64_t until =
        std::min(record.start_offset_us() + duration_us, end_us_);
    WaitUntil(until);
    if (f.has_recover() || plan::IsLoadAction(f.action())) {
      // A load action's end is its recover: the agents go back to the
      // plan's load (a recover of its own is refused by plan validation).
      *record.mutable_recover() =
          f.has_recover() ? RunStep(index, occurrence, true, f.recover(),
                                    Describe(f.recover()))
                          : RunStep(index, occurrence, true, f.action(),
                                    std::string(kRestoreLoad));
      RIG_LOG(Info) << "fault " << index + 1 << " (" << name << ") #"
                    << occurrence
                    << " recovered: " << record.recover().outcome();
      record.set_end_offset_us(record.recover().end_offset_us());
    } else {
      if (f.action().sql_size() > 0) {
        // No recover of its own: the end of the fault closes the action's
        // connection (which releases what it held).
        rig::v1::FaultCommand release;
        release.set_index(index);
        release.set_occurrence(occurrence);
        release.set_recover(true);
        hooks_.run_on_agent(release, FromProto(f.timeout()));
      }
      record.set_end_offset_us(
          std::max(record.action().end_offset_us(),
                   std::min(record.start_offset_us() + duration_us, NowUs())));
    }
    if (hooks_.progress) {
      hooks_.progress(absl::StrCat(
          "fault ", index + 1, " (", name, ") #", occurrence, ": ",
          record.action().outcome(),
          record.has_recover()
              ? absl::StrCat(", recover: ", record.recover().outcome())
              : ""));
    }
    hooks_.recorded(record);
    if (every_us <= 0) return;
  }
}

}  // namespace rig::coordinator
