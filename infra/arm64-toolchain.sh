#!/usr/bin/env bash
# Prints the path of a rustc that builds for aarch64-unknown-linux-gnu (Lambda's arm64), fetching
# it first if needed. check-template.sh uses it for `sam build` of the default architecture when
# rustup has no aarch64 target (`rustup target add aarch64-unknown-linux-gnu` needs rustup's own
# download server, which is not one of the package registries this project may count on).
#
# Debian's rustc-web (bookworm-security) is a current Rust whose aarch64 standard library ships
# as libstd-rust-web-dev:arm64. apt-get downloads those packages with a private package list
# (arm64 added there only: the system's apt state and installed packages stay as they are), and
# dpkg-deb unpacks them under target/toolchains/rust-web. cargo-lambda still links with zig; the
# binaries need glibc 2.30 at most (Amazon Linux 2023 has 2.34).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

dir="$root/target/toolchains/rust-web"
rustc="$dir/rustc"
works() { "$rustc" --print target-libdir --target aarch64-unknown-linux-gnu 2>/dev/null | xargs -r test -d; }
if [ -x "$rustc" ] && works; then
  echo "$rustc"
  exit 0
fi

apt_dir="$dir.apt"
rm -rf "$dir" "$apt_dir"
mkdir -p "$dir/root" "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/debs"
touch "$apt_dir/status"
apt_opts=(
  -o "Dir::State=$apt_dir" -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::State::status=$apt_dir/status"
  -o "Dir::Cache=$apt_dir" -o "Dir::Cache::archives=$apt_dir/archives"
  -o "APT::Architectures::=amd64" -o "APT::Architectures::=arm64" -o "Debug::NoLocking=1"
)
echo "  fetching Debian's rustc-web with the aarch64 standard library into $dir" >&2
apt-get "${apt_opts[@]}" -qq update >&2
version=$(apt-cache "${apt_opts[@]}" show rustc-web | awk '/^Version:/ { print $2; exit }')
[ -n "$version" ] || { echo "error: Debian's package lists have no rustc-web" >&2; exit 1; }
minor=$(echo "$version" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
llvm=$(apt-cache "${apt_opts[@]}" show "libstd-rust-web-$minor=$version" |
  awk -F': ' '/^Depends:/ { print $2; exit }' | grep -oE 'libllvm[0-9]+' | head -n 1)
[ -n "$llvm" ] || { echo "error: cannot tell which libllvm rustc-web $version needs" >&2; exit 1; }
(
  cd "$apt_dir/debs"
  apt-get "${apt_opts[@]}" -qq download \
    "rustc-web:amd64=$version" "libstd-rust-web-$minor:amd64=$version" \
    "libstd-rust-web-dev:amd64=$version" "libstd-rust-web-dev:arm64=$version" "$llvm:amd64" \
    2> >(grep -v 'unsandboxed as root' >&2)
)
for deb in "$apt_dir"/debs/*.deb; do
  dpkg-deb -x "$deb" "$dir/root"
done
rm -rf "$apt_dir"

# Debian's rustc finds its libraries (librustc_driver, LLVM) in the system's library folder; here
# they are in ours.
cat >"$rustc" <<EOF
#!/bin/sh
# Debian's rustc-web $version, unpacked by infra/arm64-toolchain.sh.
LD_LIBRARY_PATH="$dir/root/usr/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$dir/root/usr/bin/rustc" "\$@"
EOF
chmod +x "$rustc"
if missing=$(LD_LIBRARY_PATH="$dir/root/usr/lib/x86_64-linux-gnu" ldd "$dir/root/usr/bin/rustc" | grep 'not found'); then
  echo "error: rustc-web needs libraries this machine lacks:" >&2
  echo "$missing" >&2
  exit 1
fi
works || { echo "error: rustc-web $version has no aarch64-unknown-linux-gnu standard library" >&2; exit 1; }
echo "  $("$rustc" --version)" >&2
echo "$rustc"
