#!/usr/bin/env bash
# A 2 x 2 sweep through a real Slurm job array: starts a one-node Slurm cluster on
# this machine (slurmctld + slurmd on localhost, munge authentication, state in a
# temporary folder), writes the sweep's job-array script with `embolus sweep --slurm`,
# submits it, waits, collects, and checks sweep.csv: four completed points, each with
# the inlet flow it imposes. Installs slurm-wlm and munge with apt when
# they are missing; skips with a message only where that is impossible.
# Usage: scripts/slurm-sweep-test.sh [path/to/embolus]   (default target/release/embolus)
set -euo pipefail
cd "$(dirname "$0")/.."
embolus="$(realpath "${1:-target/release/embolus}")"
[ -x "$embolus" ] || { echo "slurm test: no embolus binary at $embolus (cargo build --release)"; exit 1; }

skip() { echo "slurm test: SKIPPED: $1"; exit 0; }
# Slurm's daemons run as root here: go through sudo when it needs no password.
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    exec sudo -E "$0" "$embolus"
fi
if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    [ "$(id -u)" -eq 0 ] || skip "slurm-wlm is not installed and installing it needs root"
    command -v apt-get >/dev/null || skip "slurm-wlm is not installed and there is no apt-get"
    echo "slurm test: installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -q && apt-get install -y -q --no-install-recommends slurm-wlm munge; } >/tmp/slurm-install.log 2>&1 ||
        skip "apt-get could not install slurm-wlm (log: /tmp/slurm-install.log)"
fi
[ "$(id -u)" -eq 0 ] || skip "starting slurmd needs root"

work="$(mktemp -d)"
export SLURM_CONF="$work/slurm.conf"
host="$(hostname)"
mkdir -p "$work/state" "$work/spool"
cat >"$SLURM_CONF" <<CONF
ClusterName=embolus-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$(nproc) RealMemory=2000 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

started_munge=""
cleanup() {
    for d in slurmd slurmctld; do
        [ -f "$work/$d.pid" ] && kill "$(cat "$work/$d.pid")" 2>/dev/null || true
    done
    [ -n "$started_munge" ] && pkill -x munged 2>/dev/null || true
}
trap cleanup EXIT

if ! pgrep -x munged >/dev/null; then
    [ -f /etc/munge/munge.key ] || { mungekey --create 2>/dev/null || /usr/sbin/create-munge-key -f; }
    mkdir -p /run/munge && chown munge:munge /run/munge 2>/dev/null || true
    runuser -u munge -- /usr/sbin/munged 2>/dev/null || /usr/sbin/munged --force
    started_munge=1
fi
slurmctld
slurmd
for _ in $(seq 1 30); do
    sinfo -h -o %T 2>/dev/null | grep -q idle && break
    sleep 1
done
sinfo -h -o %T | grep -q idle || { echo "slurm test: the node did not come up"; tail -20 "$work"/*.log; exit 1; }
echo "slurm test: one-node cluster up ($(sinfo --version))"

# The sweep: the quickstart vessel for 10 ms, inlet velocity x viscosity.
cat >"$work/study.toml" <<SWEEP
scenario = "$PWD/scenes/quickstart.toml"
name = "slurm_test"
set = ["time.duration=0.01", "time.output_interval=0.002"]

[[axis]]
key = "inlet.mean_velocity"
values = [0.03, 0.05]

[[axis]]
key = "fluid.viscosity"
values = [0.0035, 0.004]
SWEEP
out="$work/sweep"
"$embolus" sweep "$work/study.toml" --slurm --gpus 0 --throttle 2 --time 00:10:00 --out "$out"
grep -q -- "--array=0-3%2" "$out/sweep.slurm"
# At most 10 minutes: a job that never starts must fail the test, not hang CI.
timeout 600 sbatch --wait "$out/sweep.slurm" || {
    echo "slurm test: the job array failed or did not finish in 10 minutes"
    squeue 2>&1 | tail -n 5
    tail -n 30 "$out"/logs/*.log 2>/dev/null
    exit 1
}
"$embolus" sweep --collect "$out"

python3 - "$out" <<'PY'
import csv, os, sys
out = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(out, "sweep.csv"))))
assert len(rows) == 4, f"sweep.csv has {len(rows)} rows, expected 4"
for r in rows:
    assert r["status"] == "completed", r
# Each point's measured inlet flow against the flow it imposes, U * pi R^2 (R = 1 mm):
# 5% allows for the 10 ms start-up transient and the voxelized inlet area.
for r in rows:
    imposed = float(r["inlet.mean_velocity"]) * 3.141592653589793 * 1e-3 ** 2
    q = float(r["inlet flow [m^3/s]"])
    assert abs(q / imposed - 1) < 0.05, f"{r['point']}: inlet flow {q:.4e} against {imposed:.4e}"
plots = [f for f in os.listdir(os.path.join(out, "plots")) if f.endswith(".png")]
assert any("vs_inlet_mean_velocity" in f for f in plots) and any("vs_fluid_viscosity" in f for f in plots), plots
print(f"slurm test: sweep.csv has 4 completed points, inlet flows within 5% of U pi R^2, {len(plots)} plots")
PY
