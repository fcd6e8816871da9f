#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# spdx.sh SOURCE_DIR [--add] - every source file of the project carries
# the licence's SPDX identifier in its first comment (LICENSE: MIT).
# Checks, listing each file that lacks it (exit 1); with --add, writes it
# into those files first: C files get a first line
# "/* SPDX-License-Identifier: MIT */", shell, CMake and make files a
# "# SPDX-License-Identifier: MIT" line (after a #! line).
set -euo pipefail
src=${1:?usage: spdx.sh SOURCE_DIR [--add]}
add=${2:-}
cd "$src"
tag='SPDX-License-Identifier: MIT'
missing=0
while IFS= read -r f; do
    head -n 3 "$f" | grep -qF "$tag" && continue
    if [[ $add == --add ]]; then
        case $f in
        *.c | *.h | *.h.in) sed -i "1i /* $tag */" "$f" ;;
        *)
            if head -n 1 "$f" | grep -q '^#!'; then
                sed -i "1a # $tag" "$f"
            else
                sed -i "1i # $tag" "$f"
            fi
            ;;
        esac
        continue
    fi
    echo "$f: no '$tag' in its first comment"
    missing=1
done < <(git ls-files '*.c' '*.h' '*.h.in' '*.sh' '*.bash' '*.cmake' \
    '*CMakeLists.txt' '*Makefile' '.ci/*' 2>/dev/null)
exit $missing
