#!/usr/bin/env bash
# servitor's test-bed: a real Windows SCM (Wine 10's services.exe) and a real systemd, on any Linux machine
# where we are root. The facts this relies on are in ../shared/notes/testbed.md.
#
#   testbed.sh build              make the cached rootfs if its recipe changed (prints its path)
#   testbed.sh wine  CMD [ARG…]   run CMD inside the rootfs with a fresh, booted Wine prefix (WINEPREFIX set)
#   testbed.sh systemd CMD [ARG…] boot systemd in its own namespaces, run CMD inside it, then end it all
#   testbed.sh fleet N CMD [ARG…] boot N systemd hosts, each with its own network and sshd, and run CMD on
#                                 an Ansible controller beside them (see run_fleet)
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
# ansible-core, openssh-server and socat: the fleet tier (ansible-playbook over ssh to booted instances).
packages="wine64 wine systemd dbus ca-certificates procps ansible-core openssh-server python3 socat"
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

  # systemd boots in a container: no getty on a console we don't have. No sshd either, unless the fleet
  # mode starts it in an instance's own network namespace: the other modes share the machine's network.
  rm -f "$work/etc/systemd/system/getty.target.wants/"* 2>/dev/null || true
  rm -f "$work/etc/systemd/system/multi-user.target.wants/ssh.service" \
    "$work/etc/systemd/system/sockets.target.wants/ssh.socket" "$work/etc/systemd/system/sshd.service"
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

# Boots a systemd as PID 1 of namespaces of its own (mount, PID, UTS, IPC, and those the arguments add, such
# as --net) on a fresh overlay, after $instance_setup (bash, $merged the overlay) has run in its mount
# namespace; sets booted_pid (its PID as seen here) and booted_unshare. Must be called from PID 1 of an outer
# PID namespace (see the end of this file): however that ends, the kernel ends every process below it.
boot_systemd() {
  local ready
  ready=$(mktemp)
  unshare --mount --pid --fork --kill-child --uts --ipc "$@" --propagation private -- \
    bash -euc "$overlay_setup"'
    mount -t proc proc "$merged/proc"
    mount --rbind /dev "$merged/dev"
    mount --rbind /sys "$merged/sys"
    mount -t tmpfs tmpfs "$merged/run"
    mount -t tmpfs tmpfs "$merged/tmp"
    '"$bind_shared"'
    '"${instance_setup:-}"'
    # systemd in a container leaves mounts as it finds them, and LoadCredential= mounts each unit'"'"'s
    # credentials from a mount namespace of its own (systemd 257): without shared propagation that mount
    # never reaches PID 1'"'"'s view, and $CREDENTIALS_DIRECTORY is empty. Shared here, inside a namespace
    # made private: a peer group of its own, nothing propagates to the host.
    mount --make-rshared "$merged"
    echo ok >"$1"
    exec chroot "$merged" /lib/systemd/systemd --system --log-target=null
  ' testbed "$ready" >/dev/null 2>&1 &
  booted_unshare=$!
  booted_pid=""
  for _ in $(seq 100); do
    booted_pid=$(pgrep -P "$booted_unshare" || true)
    [[ -s $ready && -n $booted_pid ]] &&
      nsenter -t "$booted_pid" -m -p -r -w systemctl show -p Version >/dev/null 2>&1 && break
    booted_pid=""
    sleep 0.1
  done
  rm -f "$ready"
  [[ -n $booted_pid ]] || die "systemd did not come up within 10 s"
  # Units that talk to D-Bus (systemd-run, most of systemctl) need the boot to have finished.
  timeout 30 nsenter -t "$booted_pid" -m -p -r -w systemctl is-system-running --wait >/dev/null 2>&1 || true
}

run_systemd() {
  build >/dev/null
  export rootfs project
  boot_systemd
  # Killing PID 1 of the namespace kills everything in it; unshare returns once all of it is reaped.
  trap 'kill -KILL "$booted_unshare" 2>/dev/null; wait "$booted_unshare" 2>/dev/null || true' EXIT
  local status=0
  nsenter -t "$booted_pid" -m -p -r -w /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 bash -c 'cd "$0" && exec "$@"' "$PWD_OUTSIDE" "$@" || status=$?
  exit "$status"
}

# A fleet host, before its systemd boots: its name; sshd on the loopback address of its own network alone,
# root let in by this run's key for this host only (the private half moved out for the controller); and
# `servitor` on PATH, run from the project's source as a person runs it.
fleet_setup='
  ip link set lo up 2>/dev/null || true
  echo "$fleet_host" >"$merged/etc/hostname"
  printf "ListenAddress 127.0.0.1\nPasswordAuthentication no\nPermitRootLogin prohibit-password\n" \
    >"$merged/etc/ssh/sshd_config.d/fleet.conf"
  ln -s /usr/lib/systemd/system/ssh.service "$merged/etc/systemd/system/multi-user.target.wants/ssh.service"
  mkdir -p -m 0700 "$merged/root/.ssh"
  chroot "$merged" ssh-keygen -q -t ed25519 -N "" -C "fleet $fleet_host" -f /root/.ssh/fleet >/dev/null
  mv "$merged/root/.ssh/fleet.pub" "$merged/root/.ssh/authorized_keys"
  mv "$merged/root/.ssh/fleet" "$fleet_keys/$fleet_host"
  printf "#!/bin/sh\nexec %s run --allow-all %s/cli/main.ts \"\$@\"\n" "$project/node_modules/.bin/deno" \
    "$project" >"$merged/usr/local/bin/servitor"
  chmod 755 "$merged/usr/local/bin/servitor"
'

# `fleet N CMD`: N hosts (fleet1 … fleetN), each a systemd booted in namespaces of its own, network too, and
# CMD run on the controller — a chroot of the same rootfs (ansible-core), on the machine's network — with
# /run/fleet/inventory.yml: Ansible reaches each host's sshd through a ProxyCommand that enters that host's
# network namespace (nsenter); SERVITOR_FLEET_HOSTS says `name:pid …`, for looking inside with nsenter.
run_fleet() {
  local count=${1:-}
  [[ $count =~ ^[1-9]$ ]] || die "usage: testbed.sh fleet N CMD [ARG…] (N from 1 to 9)"
  shift
  build >/dev/null
  fleet_keys=$(mktemp -d)
  trap 'rm -rf "$fleet_keys"' EXIT
  export rootfs project fleet_keys fleet_host
  local hosts="" inventory="$fleet_keys/inventory.yml"
  printf '%s\n' "# testbed.sh fleet: this run's hosts" "all:" "  children:" "    fleet:" "      hosts:" \
    >"$inventory"
  for i in $(seq "$count"); do
    fleet_host=fleet$i
    instance_setup=$fleet_setup boot_systemd --net
    nsenter -t "$booted_pid" -m -p -r -w systemctl start ssh.service >/dev/null ||
      die "sshd did not start on $fleet_host"
    hosts+="${hosts:+ }$fleet_host:$booted_pid"
    cat >>"$inventory" <<EOF
        $fleet_host:
          # The name, not the address: ssh keys its shared connections (ControlPath) by it.
          ansible_host: $fleet_host
          ansible_python_interpreter: /usr/bin/python3
          ansible_user: root
          ansible_ssh_private_key_file: /run/fleet/$fleet_host
          ansible_ssh_common_args: >-
            -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
            -o ProxyCommand="nsenter --net=/proc/$booted_pid/ns/net socat - TCP:127.0.0.1:22"
EOF
  done
  local status=0
  SERVITOR_FLEET_HOSTS=$hosts unshare --mount --propagation private -- bash -euc "$overlay_setup"'
    mount -t proc proc "$merged/proc"
    mount --rbind /dev "$merged/dev"
    mount -t tmpfs tmpfs "$merged/run"
    mount -t tmpfs tmpfs "$merged/tmp"
    mkdir -p "$merged/run/fleet"
    mount --bind "$fleet_keys" "$merged/run/fleet"
    '"$bind_shared"'
    exec chroot "$merged" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
      SERVITOR_TESTBED=fleet SERVITOR_FLEET_HOSTS="$SERVITOR_FLEET_HOSTS" \
      SERVITOR_FLEET_INVENTORY=/run/fleet/inventory.yml ${TERM:+TERM=$TERM} \
      bash -c "cd \"\$0\" && exec \"\$@\"" "$PWD_OUTSIDE" "$@"
  ' testbed "$@" || status=$?
  exit "$status"
}

# The recipe is the build function with what it installs: change any of it and the rootfs is built anew.
recipe=$( (declare -f build in_chroot; echo "$suite $packages $deno_version") | sha256sum | cut -c1-16)
rootfs="$cache/rootfs-$recipe"

export PWD_OUTSIDE=$PWD
case ${1:-} in
  build) build ;;
  wine) shift; run_wine "$@" ;;
  systemd | fleet)
    mode=$1
    shift
    if [[ -z ${SERVITOR_TESTBED_OUTER:-} ]]; then
      SERVITOR_TESTBED_OUTER=1 exec setpriv --pdeathsig KILL -- \
        unshare --pid --fork --kill-child --mount --mount-proc --propagation private -- "$0" "$mode" "$@"
    fi
    "run_$mode" "$@"
    ;;
  *) die "usage: testbed.sh build | wine CMD [ARG…] | systemd CMD [ARG…] | fleet N CMD [ARG…]" ;;
esac
