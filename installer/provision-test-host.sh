#!/usr/bin/env bash
# Provisions this host for Citadel's test suite. Idempotent and cached: a second run
# only checks. As root it installs what is missing from Debian's packages, starts
# dockerd, and builds the local job image (no container registry is reachable, so the
# image is made with debootstrap + `docker import`). Not root: it only checks, and
# fails naming exactly what is missing.
set -euo pipefail

JOB_IMAGE="${CITADEL_JOB_IMAGE:-citadel/job-debian:bookworm}"
PACKAGES=(docker.io lxc openssh-server chromium debootstrap git iproute2)
CACHE_DIR="${CITADEL_PROVISION_CACHE:-/var/cache/citadel-test}"
DOCKERD_LOG=/var/log/citadel-test-dockerd.log

say() { printf '[provision] %s\n' "$*" >&2; }
die() { printf '[provision] ERROR: %s\n' "$*" >&2; exit 1; }

missing_packages() {
  local pkg
  for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || printf '%s\n' "$pkg"
  done
}

is_root() { [ "$(id -u)" -eq 0 ]; }

docker_ready() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

ensure_packages() {
  local missing
  missing=$(missing_packages)
  [ -z "$missing" ] && return 0
  if ! is_root || ! command -v apt-get >/dev/null; then
    die "missing Debian packages: $(echo $missing | tr '\n' ' '). Install them as root: apt-get install -y $(echo $missing | tr '\n' ' ')"
  fi
  say "installing: $(echo $missing | tr '\n' ' ')"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

ensure_dockerd() {
  docker_ready && return 0
  is_root || die "the Docker engine is not running and only root can start it (run: dockerd &)"
  command -v dockerd >/dev/null || die "dockerd not found although docker.io is installed"
  say "starting dockerd (log: $DOCKERD_LOG)"
  # setsid: the engine must outlive this script and the test run that started it.
  setsid nohup dockerd >"$DOCKERD_LOG" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    docker_ready && return 0
    sleep 1
  done
  die "dockerd did not become ready within 60 s; see $DOCKERD_LOG"
}

ensure_job_image() {
  if docker image inspect "$JOB_IMAGE" >/dev/null 2>&1; then return 0; fi
  is_root || die "job image $JOB_IMAGE is missing and only root can build it with debootstrap"
  mkdir -p "$CACHE_DIR"
  local tarball="$CACHE_DIR/job-debian-bookworm.tar"
  if [ ! -s "$tarball" ]; then
    local root="$CACHE_DIR/rootfs"
    rm -rf "$root"
    local mirror
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    say "building $JOB_IMAGE with debootstrap from $mirror (a few minutes, once)"
    debootstrap --variant=minbase --include=git,ca-certificates,curl,openssh-client,procps,xz-utils,gzip,tar \
      bookworm "$root" "$mirror" >"$CACHE_DIR/debootstrap.log" 2>&1 ||
      die "debootstrap failed; see $CACHE_DIR/debootstrap.log"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -cf "$tarball.partial" .
    mv "$tarball.partial" "$tarball"
    rm -rf "$root"
  fi
  docker import --change 'CMD ["/bin/bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$tarball" "$JOB_IMAGE" >/dev/null
  say "imported $JOB_IMAGE"
}

ensure_packages
ensure_dockerd
ensure_job_image
command -v /usr/bin/chromium >/dev/null || die "/usr/bin/chromium is missing (apt-get install chromium)"
say "ok: packages, dockerd $(docker version --format '{{.Server.Version}}'), image $JOB_IMAGE"
