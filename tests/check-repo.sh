#!/usr/bin/env bash
# tests/check-repo.sh - properties of the repository itself. One PASS:/FAIL:
# line per check.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
eval "$(bash ci/deps.sh paths)"

check() { if [ "$1" -eq 0 ]; then echo "PASS: repo: $2"; else echo "FAIL: repo: $2${3:+: $3}"; fi; }

# No file of picolibc or lwIP is tracked: compare content hashes of every
# tracked file with every file of the fetched source trees, so a copy is
# caught whatever its name.
third=$(mktemp)
find "$LWIP_SRC" "$(dirname "$PICOLIBC")/src" -type f -size +0 \
	\( -name '*.[chsS]' -o -name '*.ld' -o -name 'meson*' -o -name '*.txt' \) \
	-exec sha256sum {} + 2>/dev/null | cut -d' ' -f1 | sort -u >"$third"
ours=$(git ls-files -z | xargs -0 sha256sum 2>/dev/null | cut -d' ' -f1 | sort -u)
dup=$(comm -12 "$third" <(echo "$ours") | head -3)
n3=$(wc -l <"$third")
[ "$n3" -gt 1000 ] || dup="only $n3 third-party files hashed: fetched trees missing?"
rm -f "$third"
check "$([ -z "$dup" ]; echo $?)" "no tracked file is a copy of a picolibc or lwIP file" "$dup"

# The bracketed letters keep this line from matching itself.
hits=$(git grep -l -I -e 'Swedish Institute of Computer Scienc[e]' -e 'Keith Packar[d]' -- . ':!*.md' | head -3)
check "$([ -z "$hits" ]; echo $?)" "no tracked file carries lwIP's or picolibc's copyright lines" "$hits"

grep -q 'build.sh test' .ci/run 2>/dev/null
check $? ".ci/run runs ./build.sh test"
grep -q 'build.sh run' README.md && grep -q 'build.sh test' README.md
check $? "README shows ./build.sh run and ./build.sh test"

# The image links what the foundation promises.
grep -q ' T lwip_init$' <(nm build/irqlab.elf)
check $? "lwIP is linked into the image (lwip_init)"
size=$(stat -c %s build/irqlab.elf)
check "$([ "$size" -le 1048576 ]; echo $?)" "ELF size $size bytes <= 1 MiB"
od -An -tx1 -N 20 build/irqlab32.elf | grep -q '7f 45 4c 46 01'
check $? "build/irqlab32.elf is ELF32 (what QEMU -kernel loads)"
od -An -tx1 -N 20 build/irqlab.elf | grep -q '7f 45 4c 46 02'
check $? "build/irqlab.elf is ELF64"
# grub-file checks the headers where the loaders look for them (8 KiB
# for multiboot1, 32 KiB for multiboot2).
grub-file --is-x86-multiboot2 build/irqlab.elf
check $? "grub-file accepts build/irqlab.elf as multiboot2"
grub-file --is-x86-multiboot build/irqlab.elf
check $? "grub-file accepts build/irqlab.elf as multiboot1"
grub-file --is-x86-multiboot build/irqlab32.elf
check $? "grub-file accepts build/irqlab32.elf as multiboot1"

# Every command-line option declared in the code has its row in
# docs/cmdline.md, and every row names a declared option.
declared=$(grep -rhoE 'CONFIG_OPTION\([a-z_0-9]+, "[a-z_0-9]+"' src drivers | sed 's/.*"\(.*\)"/\1/' | sort -u)
documented=$(grep -oE '^\| `[a-z_0-9]+` \|' docs/cmdline.md | sed 's/^| `\(.*\)` |/\1/' | sort -u)
missing=$(comm -23 <(echo "$declared") <(echo "$documented") | tr '\n' ' ')
stale=$(comm -13 <(echo "$declared") <(echo "$documented") | tr '\n' ' ')
check "$([ -z "$missing" ]; echo $?)" "every option is documented in docs/cmdline.md" "missing: $missing"
check "$([ -z "$stale" ]; echo $?)" "docs/cmdline.md documents no option the code lacks" "stale: $stale"
