/* SPDX-License-Identifier: MIT */
/*
 * mpi_hello.c - the trivial MPI program: MPI_Init and MPI_Finalize,
 * nothing else.  bench/run.sh times `mpirun -np 2` of it beside the mpi
 * executor's launch per repetition: what any MPI job costs to start and
 * stop on this machine, where `/bin/true` (also timed) never joins the
 * MPI runtime.  Built only when Open MPI is found.
 */
#include <mpi.h>

int main(int argc, char **argv) {
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS)
        return 1;
    return MPI_Finalize() == MPI_SUCCESS ? 0 : 1;
}
