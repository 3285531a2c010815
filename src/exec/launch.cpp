#include "exec/launch.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "core/host.h"
#include "core/text.h"
#include "exec/in_process.h"
#include "exec/mpi_protocol.h"

extern char** environ;

namespace hs {

namespace {

// A job on the wire: its name, a newline, its text; "" is "no more jobs".
std::string encode_job(const Job& job) { return job.name + "\n" + job.text; }
Job decode_job(const std::string& bytes) {
  const size_t nl = bytes.find('\n');
  return Job{bytes.substr(0, nl), nl == std::string::npos ? "" : bytes.substr(nl + 1)};
}

// The workers of MPI_COMM_WORLD, as rank 0 sees them.
class MpiExecutor final : public Executor {
 public:
  explicit MpiExecutor(int workers) : workers_(workers) {}
  int workers() const override { return workers_; }
  Result<bool> run(const Job& job, TrialQueue& queue, const RunHooks& hooks) override {
    mpi::share_from_root(MPI_COMM_WORLD, encode_job(job));
    return mpi::serve(MPI_COMM_WORLD, queue, hooks);
  }

 private:
  int workers_;
};

// Why this process must not run a sweep as it was started, or "": srun started several tasks
// without an MPI plugin (no PMI in the environment), so each would run the whole sweep alone.
std::string launch_problem() {
  const char* tasks = std::getenv("SLURM_STEP_NUM_TASKS");
  if (launched_by_mpi() || tasks == nullptr || std::atoi(tasks) <= 1) return "";
  return std::string("srun started ") + tasks +
         " tasks without an MPI plugin, so each would run the whole sweep on its own: use "
         "`srun --mpi=pmix` (or mpirun inside the allocation; see jobs/)";
}

}  // namespace

bool launched_by_mpi(char** envp) {
  for (char** e = envp; e != nullptr && *e != nullptr; ++e)
    for (const char* v : {"OMPI_COMM_WORLD_SIZE=", "PMIX_RANK=", "PMI_RANK=", "PMI_SIZE="})
      if (std::strncmp(*e, v, std::strlen(v)) == 0) return true;
  return false;
}

bool launched_by_mpi() { return launched_by_mpi(environ); }

bool live_stdout() {
  const char* term = std::getenv("TERM");
  return ::isatty(STDOUT_FILENO) == 1 && !launched_by_mpi() &&
         !(term != nullptr && std::strcmp(term, "dumb") == 0);
}

int launched_ranks() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"})
    if (const char* n = std::getenv(v); n != nullptr && std::atoi(n) > 0) return std::atoi(n);
  return 1;
}

int launched_rank() {
  for (const char* v : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"})
    if (const char* n = std::getenv(v); n != nullptr) return std::atoi(n);
  return 0;
}

Result<std::unique_ptr<Launch>> Launch::start(int* argc, char*** argv) {
  if (const std::string why = launch_problem(); !why.empty()) return make_error("", why);
  std::unique_ptr<Launch> l(new Launch());
  if (!launched_by_mpi()) return l;
  int provided = 0;
  // OpenMP threads never call MPI: the main thread alone does (FUNNELED).
  HS_MPI(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
  HS_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  HS_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &l->rank_));
  HS_MPI(MPI_Comm_size(MPI_COMM_WORLD, &l->size_));
  l->mpi_ = true;
  // The worker ranks on each node, numbered from 0 (a collective: every rank takes part).
  MPI_Comm workers = MPI_COMM_NULL;
  HS_MPI(MPI_Comm_split(MPI_COMM_WORLD, l->rank_ > 0 ? 1 : MPI_UNDEFINED, l->rank_, &workers));
  if (workers != MPI_COMM_NULL) {
    MPI_Comm node = MPI_COMM_NULL;
    HS_MPI(MPI_Comm_split_type(workers, MPI_COMM_TYPE_SHARED, l->rank_, MPI_INFO_NULL, &node));
    HS_MPI(MPI_Comm_rank(node, &l->local_worker_));
    HS_MPI(MPI_Comm_size(node, &l->node_workers_));
    cpu_set_t mine, all;
    CPU_ZERO(&mine);
    if (::sched_getaffinity(0, sizeof mine, &mine) != 0) CPU_SET(0, &mine);
    HS_MPI(MPI_Allreduce(&mine, &all, sizeof mine, MPI_BYTE, MPI_BOR, node));
    l->node_cores_ = CPU_COUNT(&all);
    HS_MPI(MPI_Comm_free(&node));
    HS_MPI(MPI_Comm_free(&workers));
  }
  return l;
}

Launch::~Launch() {
  if (!is_worker()) end();
  if (mpi_) MPI_Finalize();
}

int Launch::node_threads() const { return mpi::node_threads(MPI_COMM_WORLD); }

void Launch::begin(bool go) {
  begun_ = go;
  if (workers() > 0) mpi::agree_to_start(MPI_COMM_WORLD, go);
}

std::unique_ptr<Executor> Launch::executor(ObjectiveFactory make) {
  if (workers() > 0) return std::make_unique<MpiExecutor>(workers());
  return std::make_unique<InProcessExecutor>(std::move(make), host_name());
}

void Launch::end() {
  if (ended_ || !begun_) return;
  ended_ = true;
  if (workers() > 0) mpi::share_from_root(MPI_COMM_WORLD, "");
}

int Launch::serve(const std::function<Status()>& setup, const ObjectiveFactory& make,
                  const std::function<bool()>& signalled) {
  // Told the sweep will not start: as rank 0 stopped by a signal this rank had too (mpirun
  // passes SIGUSR1 on to every rank), with a stop's code, 3; else a failed start's, 2.
  if (!mpi::agree_to_start(MPI_COMM_WORLD, true)) return signalled && signalled() ? 3 : 2;
  const Status ready = setup ? setup() : Status{};
  int code = 0;
  for (;;) {
    const std::string bytes = mpi::share_from_root(MPI_COMM_WORLD, "");
    if (bytes.empty()) return code;
    std::unique_ptr<Objective> objective;
    auto prepare = [&]() -> Status {
      if (!ready) return ready;
      auto made = make(decode_job(bytes));
      if (!made) return made.error();
      objective = std::move(*made);
      return objective->prepare();
    };
    auto run = [&](const Trial& t, const TrialHooks& hooks) { return objective->run(t, hooks); };
    if (!mpi::work(MPI_COMM_WORLD, prepare, run, signalled)) code = 2;
  }
}

std::string Launch::crowding_warning(int threads) const {
  if (node_workers_ < 2 || static_cast<int64_t>(node_workers_) * threads <= node_cores_) return "";
  const std::string head = std::to_string(node_workers_) + " workers on this node x " +
                           counted(threads, "OpenMP thread") + " each, but " +
                           std::to_string(node_cores_) + " core(s) for all of them to run on: ";
  if (node_cores_ < node_workers_)
    return head + "start at most " + counted(node_cores_, "worker") + " a node (ranks = "
           "cores + 1 on one node)";
  return head + "give --threads " + std::to_string(node_cores_ / node_workers_) +
         " (or the config's threads, or OMP_NUM_THREADS), or fewer workers a node";
}

std::string binding_warning(int threads) {
  const int cores = bound_cores();
  if (cores >= threads) return "";
  // Free to run on every core of the node: the node is too small, and no binding is to blame.
  if (const long node = ::sysconf(_SC_NPROCESSORS_ONLN); node > 0 && cores >= node)
    return std::to_string(threads) + " OpenMP threads but this node has only " +
           std::to_string(cores) + " core(s): give --threads " + std::to_string(cores) +
           " or fewer (or the config's threads, or OMP_NUM_THREADS), or fewer workers a node";
  return std::to_string(threads) + " OpenMP threads but only " + std::to_string(cores) +
         " core(s) to run on: the launcher bound this rank (mpirun: add --bind-to none, or "
         "--map-by slot:PE=" + std::to_string(threads) + ")";
}

int worker_threads(int flag, int config_threads, int node_share) {
  if (flag > 0) return flag;
  if (config_threads > 0) return config_threads;
  if (const char* env = std::getenv("OMP_NUM_THREADS"); env && std::atoi(env) > 0)
    return std::atoi(env);
  return node_share;
}

}  // namespace hs
