# Sourced by the bench scripts: paths, the tools they build, the packages they run.
# Every script works from the project root and keeps its files in build/bench/ (never committed).

caller_dir=$PWD
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bench_dir=build/bench
mkdir -p "$bench_dir"
export LC_ALL=C

die() { echo "bench: $*" >&2; exit 1; }

# build/bin/TARGET, brought up to date (that target alone: ninja does nothing when it is).
tool() {
  scripts/build release "$1" >/dev/null || die "cannot build $1"
  echo "build/bin/$1"
}

# The probe under test: $LIMEN_PROBE when set, else this tree's build (built when missing).
probe() {
  if [[ -n "${LIMEN_PROBE:-}" ]]; then
    [[ -x "$LIMEN_PROBE" ]] || die "LIMEN_PROBE=$LIMEN_PROBE is not an executable"
    echo "$LIMEN_PROBE"
  elif [[ -x build/bin/limen-probe ]]; then
    echo build/bin/limen-probe
  else
    scripts/build release limen-probe >/dev/null || die "cannot build limen-probe"
    echo build/bin/limen-probe
  fi
}

# The programs the benchmark compares and the capture tools it uses (mergecap, capinfos).
bench_packages() { scripts/setup libndpi-bin tshark tcpdump wireshark-common time; }

# A classic pcap file with its header only: what a start-up measurement reads.
empty_capture() {
  local f=$bench_dir/empty.pcap
  [[ -s "$f" ]] ||
    printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' >"$f"
  echo "$f"
}

# Bytes as the generator takes them (K, M, G: powers of 1024); dies on anything else.
check_size() { [[ "$1" =~ ^[0-9]+[KMGkmg]?$ ]] || die "not a size: '$1' (e.g. 200M, 1G)"; }
