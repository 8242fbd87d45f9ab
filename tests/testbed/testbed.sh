#!/usr/bin/env bash
# servitor's test-bed: a real Windows SCM (Wine 10's services.exe) and a real systemd, on any Linux machine
# where we are root. The facts this relies on are in ../shared/notes/testbed.md.
#
#   testbed.sh build              make the cached rootfs if its recipe changed (prints its path)
#   testbed.sh wine  CMD [ARG…]   run CMD inside the rootfs with a fresh, booted Wine prefix (WINEPREFIX set)
#   testbed.sh systemd CMD [ARG…] boot systemd in its own namespaces, run CMD inside it, then end it all
#
# The rootfs is read-only to the runs: each run sees it through an overlay whose upper layer is a tmpfs of
# its own mount namespace, so runs are independent and nothing they write survives them. Each run is PID 1's
# child of a PID namespace of its own: whatever it starts (wineserver, services.exe, systemd and every
# unit) dies with it, also when the run is killed. The project directory and SERVITOR_TESTBED_BIND (a
# colon-separated list of host directories) are bound at the same paths inside.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project=$(cd "$here/../.." && pwd)
cache=${SERVITOR_TESTBED_CACHE:-/var/cache/servitor-testbed}
suite=trixie
packages="wine64 wine systemd dbus ca-certificates procps"
deno_version=$(sed -n 's/.*"deno": *"\([0-9.]*\)".*/\1/p' "$project/package.json")


die() { echo "testbed: $*" >&2; exit 1; }

# Runs "$@" inside ROOT (a path) with /proc, /dev and a tmpfs /tmp, in a private mount and PID namespace.
in_chroot() {
  local root=$1; shift
  unshare --mount --pid --fork --kill-child --propagation private -- bash -euc '
    root=$1; shift
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs tmpfs "$root/tmp"
    exec chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
  ' in_chroot "$root" "$@"
}

build() {
  [[ -d $rootfs ]] && { echo "$rootfs"; return; }
  [[ $(id -u) == 0 ]] || die "building the rootfs needs root"
  command -v debootstrap >/dev/null || {
    echo "testbed: installing debootstrap from Debian's packages" >&2
    apt-get update -qq >&2 && apt-get install -y -qq debootstrap >&2
  } || die "debootstrap is missing and could not be installed"
  mkdir -p "$cache"
  local work="$cache/building-$recipe"
  rm -rf "$work"
  echo "testbed: building a Debian $suite rootfs with Wine and systemd in $rootfs (about a minute)" >&2
  debootstrap --variant=minbase "$suite" "$work" >"$cache/debootstrap.log" 2>&1 ||
    die "debootstrap failed: see $cache/debootstrap.log"
  cp /etc/resolv.conf "$work/etc/resolv.conf"
  in_chroot "$work" bash -euc "
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
    apt-get clean
  " >"$cache/apt.log" 2>&1 || die "installing $packages failed: see $cache/apt.log"

  # The Windows build of the project's own Deno version.
  local pack
  pack=$(mktemp -d)
  (cd "$pack" && npm pack --silent "@deno/win32-x64@$deno_version" >/dev/null && tar -xzf ./*.tgz) ||
    die "npm pack @deno/win32-x64@$deno_version failed"
  mkdir -p "$work/opt/deno-windows"
  cp "$pack/package/deno.exe" "$work/opt/deno-windows/deno.exe"
  rm -rf "$pack"

  # One booted prefix, copied on write by every run: a new prefix's SCM may answer
  # ERROR_SERVICE_DATABASE_LOCKED until wineboot has finished.
  in_chroot "$work" bash -euc '
    export WINEPREFIX=/root/.wine WINEDEBUG=-all
    wineboot -i >/dev/null 2>&1
    wineserver -w
  ' >"$cache/wineboot.log" 2>&1 || die "wineboot failed: see $cache/wineboot.log"
  [[ -f $work/root/.wine/system.reg ]] || die "wineboot made no prefix: see $cache/wineboot.log"

  # systemd boots in a container: no getty on a console we don't have.
  rm -f "$work/etc/systemd/system/getty.target.wants/"* 2>/dev/null || true
  mv "$work" "$rootfs"
  # Older recipes' rootfs are of no further use.
  find "$cache" -maxdepth 1 -name 'rootfs-*' ! -path "$rootfs" -exec rm -rf {} +
  echo "$rootfs"
}

# Lays the overlay at $merged (for bash -c, with $rootfs exported).
overlay_setup='
  scratch=$(mktemp -d)
  mount -t tmpfs tmpfs "$scratch"
  mkdir -p "$scratch/upper" "$scratch/work" "$scratch/merged"
  merged=$scratch/merged
  mount -t overlay overlay -o "lowerdir=$rootfs,upperdir=$scratch/upper,workdir=$scratch/work" "$merged"
'
# Binds the project and SERVITOR_TESTBED_BIND at their own paths in $merged: after /tmp and /run are
# mounted there, so that a checkout under /tmp stays visible.
bind_shared='
  IFS=: read -ra binds <<<"$project${SERVITOR_TESTBED_BIND:+:$SERVITOR_TESTBED_BIND}"
  for dir in "${binds[@]}"; do
    mkdir -p "$merged$dir"
    mount --bind "$dir" "$merged$dir"
  done
'

run_wine() {
  build >/dev/null
  export rootfs project
  setpriv --pdeathsig KILL -- unshare --mount --pid --fork --kill-child --propagation private -- \
    bash -euc "$overlay_setup"'
    mount -t proc proc "$merged/proc"
    mount --rbind /dev "$merged/dev"
    mount -t tmpfs tmpfs "$merged/tmp"
    '"$bind_shared"'
    cd "$merged"
    exec chroot "$merged" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
      WINEPREFIX=/root/.wine WINEDEBUG=-all XDG_RUNTIME_DIR=/tmp/runtime ${TERM:+TERM=$TERM} bash -c "
        mkdir -p -m 0700 /tmp/runtime
        cd \"\$0\"
        \"\$@\"
        status=\$?
        wineserver -k 2>/dev/null
        exit \$status" "$PWD_OUTSIDE" "$@"
  ' testbed "$@"
}

run_systemd() {
  build >/dev/null
  # This function runs as PID 1 of an outer PID namespace (see the end of this file): however it ends, the
  # kernel then ends every process below it, the booted systemd and its units included.
  export rootfs project
  local ready
  ready=$(mktemp)
  # systemd becomes PID 1 of the new namespace; the overlay lives in its mount namespace.
  unshare --mount --pid --fork --kill-child --uts --ipc --propagation private -- \
    bash -euc "$overlay_setup"'
    mount -t proc proc "$merged/proc"
    mount --rbind /dev "$merged/dev"
    mount --rbind /sys "$merged/sys"
    mount -t tmpfs tmpfs "$merged/run"
    mount -t tmpfs tmpfs "$merged/tmp"
    '"$bind_shared"'
    # systemd in a container leaves mounts as it finds them, and LoadCredential= mounts each unit'"'"'s
    # credentials from a mount namespace of its own (systemd 257): without shared propagation that mount
    # never reaches PID 1'"'"'s view, and $CREDENTIALS_DIRECTORY is empty. Shared here, inside a namespace
    # made private: a peer group of its own, nothing propagates to the host.
    mount --make-rshared "$merged"
    echo ok >"$1"
    exec chroot "$merged" /lib/systemd/systemd --system --log-target=null
  ' testbed "$ready" >/dev/null 2>&1 &
  local unshare_pid=$! pid=""
  # Killing PID 1 of the namespace kills everything in it; unshare returns once all of it is reaped.
  trap 'kill -KILL "$unshare_pid" 2>/dev/null; wait "$unshare_pid" 2>/dev/null || true; rm -f "$ready"' EXIT
  for _ in $(seq 100); do
    pid=$(pgrep -P "$unshare_pid" || true)
    [[ -s $ready && -n $pid ]] && nsenter -t "$pid" -m -p -r -w systemctl show -p Version >/dev/null 2>&1 && break
    pid=""
    sleep 0.1
  done
  [[ -n $pid ]] || die "systemd did not come up within 10 s"
  # Units that talk to D-Bus (systemd-run, most of systemctl) need the boot to have finished.
  timeout 30 nsenter -t "$pid" -m -p -r -w systemctl is-system-running --wait >/dev/null 2>&1 || true
  local status=0
  nsenter -t "$pid" -m -p -r -w /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    bash -c 'cd "$0" && exec "$@"' "$PWD_OUTSIDE" "$@" || status=$?
  exit "$status"
}

# The recipe is the build function with what it installs: change any of it and the rootfs is built anew.
recipe=$( (declare -f build in_chroot; echo "$suite $packages $deno_version") | sha256sum | cut -c1-16)
rootfs="$cache/rootfs-$recipe"

export PWD_OUTSIDE=$PWD
case ${1:-} in
  build) build ;;
  wine) shift; run_wine "$@" ;;
  systemd)
    shift
    if [[ -z ${SERVITOR_TESTBED_OUTER:-} ]]; then
      SERVITOR_TESTBED_OUTER=1 exec setpriv --pdeathsig KILL -- \
        unshare --pid --fork --kill-child --mount --mount-proc --propagation private -- "$0" systemd "$@"
    fi
    run_systemd "$@"
    ;;
  *) die "usage: testbed.sh build | wine CMD [ARG…] | systemd CMD [ARG…]" ;;
esac
