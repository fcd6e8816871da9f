# SPDX-License-Identifier: MIT
# Sourced by the mpi end-to-end tests after common.bash: skips (77) when
# Open MPI or parbench-mpi-worker is missing.
mpi_require() {
    command -v mpirun >/dev/null || skip "mpirun not found (Debian: openmpi-bin)"
    [[ -x ${PB_BUILD_DIR:?}/parbench-mpi-worker ]] ||
        skip "parbench-mpi-worker not built (Open MPI's libopenmpi-dev missing at build time)"
    return 0
}
