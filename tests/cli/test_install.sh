#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make install puts the binary, the man page and the bash completion under
# DESTDIR/PREFIX. Runs the Makefile's install recipe (install-files, which
# `make install` runs after its build) on this build directory.
# Env: ORDO_SOURCE_DIR; the working directory is the CMake build directory.
set -u
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
build=$PWD
tmp=$(mktemp -d /tmp/ordo-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

cmake --build "$build" --target ordo_docs > /dev/null || bad "building the man page and completion"
make -s -C "$src" install-files REL_DIR="$build" DESTDIR="$tmp/root" PREFIX=/usr \
    > "$tmp/log" 2>&1 || bad "make install-files: $(cat "$tmp/log")"
bin="$tmp/root/usr/bin/ordo"
man="$tmp/root/usr/share/man/man1/ordo.1"
comp="$tmp/root/usr/share/bash-completion/completions/ordo"
[ -x "$bin" ] && ok || bad "no executable $bin"
"$bin" version > /dev/null 2>&1 && ok || bad "the installed ordo does not run"
[ -f "$man" ] && head -1 "$man" | grep -q '^\.TH ORDO 1' && ok || bad "$man does not start with .TH"
# the man page is the --help text: every command's usage line is in it
while IFS=$'\t' read -r path opts; do
    [ "$opts" = "(group)" ] && continue
    grep -q "^\.SS \"ordo ${path//-/\\\\-}\"" "$man" && ok || bad "man page lacks 'ordo $path'"
done < <("$bin" help --list)
[ -f "$comp" ] && grep -q "complete -F _ordo ordo" "$comp" && ok || bad "no completion in $comp"
bash -c "source '$comp'; COMP_WORDS=(ordo exp sch); COMP_CWORD=2; _ordo; echo \"\${COMPREPLY[*]}\"" \
    > "$tmp/c1" && grep -qx schedule "$tmp/c1" && ok || bad "completion of 'exp sch': $(cat "$tmp/c1")"
bash -c "source '$comp'; COMP_WORDS=(ordo source --policy proximity-f); COMP_CWORD=3; _ordo; echo \"\${COMPREPLY[*]}\"" \
    > "$tmp/c2" && grep -q proximity-first "$tmp/c2" && ok || bad "completion of a policy: $(cat "$tmp/c2")"
# nothing outside DESTDIR
[ -z "$(find "$tmp/root" -type f ! -path "$tmp/root/usr/*")" ] && ok || bad "files outside PREFIX"

echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
