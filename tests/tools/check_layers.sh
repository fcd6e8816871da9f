#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check_layers.sh SOURCE_DIR - the layering rule of docs/design.md, read
# from the includes themselves:
#   core/util < core/config < core/results < core/run < cli
#   server/ uses core/util only; core/ never includes server/ or cli/.
# A file may include headers of its own layer or of a layer below it;
# "X/..." names the layer of a header.  Also refuses an include cycle
# between two modules of one layer (a.c includes b.h and b.c includes
# a.h).  Prints every violation and exits 1, or 0 when there is none.
set -euo pipefail
src=${1:?usage: check_layers.sh SOURCE_DIR}
cd "$src"

rank() { # the layer of a folder, or nothing for other folders
    case $1 in
    core/util | util) echo 1 ;;
    core/config | config) echo 2 ;;
    core/results | results) echo 3 ;;
    core/run | run) echo 4 ;;
    cli) echo 5 ;;
    server) echo 9 ;;
    esac
}

bad=0
declare -A edge=()
while IFS= read -r file; do
    dir=${file%/*}
    from=$(rank "$dir")
    [[ -n $from ]] || continue
    while IFS= read -r inc; do
        [[ $inc == */* ]] || continue # generated headers: version.h, ...
        to=$(rank "${inc%/*}")
        if [[ -z $to ]]; then
            echo "$file: includes \"$inc\", which is in no layer"
            bad=1
        elif [[ $from == 9 ]]; then
            if [[ $to != 1 && $to != 9 ]]; then
                echo "$file: the server includes \"$inc\"; it may use only util/"
                bad=1
            fi
        elif ((to > from)); then
            echo "$file: includes \"$inc\", a layer above its own"
            bad=1
        fi
        # module edges inside one folder: a.c/a.h -> b.h
        if [[ ${inc%/*} == "${dir#core/}" ]]; then
            a=${file##*/}
            b=${inc##*/}
            [[ ${a%.*} != "${b%.*}" ]] && edge["$dir/${a%.*}>${b%.*}"]=1
        fi
    done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
done < <(git ls-files 'core/*.[ch]' 'cli/*.[ch]' 'server/*.[ch]' 2>/dev/null ||
    find core cli server -name '*.[ch]')

for e in "${!edge[@]}"; do
    dir=${e%/*}
    pair=${e##*/}
    a=${pair%>*}
    b=${pair#*>}
    if [[ -n ${edge["$dir/$b>$a"]:-} && $a < $b ]]; then
        echo "$dir: include cycle between $a and $b"
        bad=1
    fi
done
exit $bad
