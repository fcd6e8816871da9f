/*
 * test_executor_gil.c - the gil executor's lock: one holder at a time, no
 * thread starves (each gets the lock again and again while all compete),
 * a forced switch never comes before the switch interval, and
 * blocking_begin releases the lock at once.  No assertion depends on how
 * fast the machine is: the contenders work until every one of them had the
 * lock TURNS times, and only a lock that never changes hands would keep
 * them at it until the (generous) limit.  The plugin source is
 * compiled in so its lock functions can be driven directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../plugins/executors/gil.c"
#include "../../plugins/executors/threads.c"

#include <unistd.h>

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#define THREADS 4
#define TURNS 4
#define LIMIT_NS (60ull * 1000000000u) /* only a broken lock gets there */

struct shared {
    struct gil g;
    _Atomic int inside;  /* threads that believe they hold the lock */
    _Atomic int overlap; /* set if two ever did                     */
    _Atomic unsigned acquisitions[THREADS];
    uint64_t min_forced_hold_ns;
    pthread_mutex_t stats;
};

struct arg {
    struct shared *s;
    unsigned id;
};

/* Busy work of roughly `ns`, like a workload between checkpoints. */
static void spin(uint64_t ns) {
    uint64_t end = mono_ns() + ns;
    while (mono_ns() < end)
        ;
}

static void note_acquire(struct shared *s, unsigned id) {
    if (atomic_fetch_add(&s->inside, 1) != 0)
        atomic_store(&s->overlap, 1);
    atomic_fetch_add(&s->acquisitions[id], 1);
}

static unsigned fewest_turns(struct shared *s) {
    unsigned m = UINT32_MAX;
    for (unsigned i = 0; i < THREADS; i++)
        if (atomic_load(&s->acquisitions[i]) < m)
            m = atomic_load(&s->acquisitions[i]);
    return m;
}

static void *contender(void *p) {
    struct arg *a = p;
    struct shared *s = a->s;
    uint64_t limit = mono_ns() + LIMIT_NS;
    gil_take(&s->g);
    note_acquire(s, a->id);
    uint64_t held_since = mono_ns();
    while (fewest_turns(s) < TURNS && mono_ns() < limit) {
        spin(20000); /* 20 us of "computation" */
        if (atomic_load(&s->g.drop_request)) {
            uint64_t held = mono_ns() - held_since;
            pthread_mutex_lock(&s->stats);
            if (held < s->min_forced_hold_ns)
                s->min_forced_hold_ns = held;
            pthread_mutex_unlock(&s->stats);
            atomic_fetch_sub(&s->inside, 1);
            gil_checkpoint(&s->g, a->id);
            note_acquire(s, a->id);
            held_since = mono_ns();
        }
    }
    atomic_fetch_sub(&s->inside, 1);
    gil_drop(&s->g, 0);
    return NULL;
}

static void test_exclusion_and_fairness(void **state) {
    (void)state;
    static struct shared s;
    memset(&s, 0, sizeof s);
    const uint64_t interval = 1000000; /* 1 ms */
    gil_init(&s.g, interval);
    pthread_mutex_init(&s.stats, NULL);
    s.min_forced_hold_ns = UINT64_MAX;
    pthread_t t[THREADS];
    struct arg a[THREADS];
    for (unsigned i = 0; i < THREADS; i++) {
        a[i] = (struct arg){&s, i};
        assert_int_equal(pthread_create(&t[i], NULL, contender, &a[i]), 0);
    }
    for (unsigned i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);

    assert_int_equal(atomic_load(&s.overlap), 0);
    /* Every thread got the lock TURNS times while all were competing: the
     * holder was made to give it up, and every waiter got its turn. */
    assert_true(fewest_turns(&s) >= TURNS);
    assert_true(s.g.forced_switches >= THREADS);
    /* A waiter asks for a drop only after a whole interval without a
     * switch, so no forced hand-over comes earlier. */
    assert_true(s.min_forced_hold_ns >= interval);
    gil_destroy(&s.g);
    pthread_mutex_destroy(&s.stats);
}

struct blocker {
    struct gil *g;
    _Atomic int in_io, other_took;
};

static void *io_thread(void *p) {
    struct blocker *b = p;
    gil_take(b->g);
    gil_blocking_begin(b->g, 0);
    atomic_store(&b->in_io, 1);
    /* "I/O": wait until the other thread ran, at most 10 s. */
    for (int i = 0; i < 10000 && !atomic_load(&b->other_took); i++)
        usleep(1000);
    gil_blocking_end(b->g, 0);
    gil_drop(b->g, 0);
    return NULL;
}

static void test_blocking_releases(void **state) {
    (void)state;
    struct gil g;
    /* An interval far longer than the test: only blocking_begin can let the
     * second thread in. */
    gil_init(&g, 60ull * 1000000000u);
    struct blocker b = {&g, 0, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, io_thread, &b), 0);
    while (!atomic_load(&b.in_io))
        usleep(100);
    gil_take(&g);
    atomic_store(&b.other_took, 1);
    gil_drop(&g, 0);
    pthread_join(t, NULL);
    assert_int_equal(g.forced_switches, 0);
    gil_destroy(&g);
}

static void test_deadline_arithmetic(void **state) {
    (void)state;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct timespec d = deadline_after(2500000000u); /* 2.5 s */
    assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000);
    int64_t diff = (int64_t)(d.tv_sec - now.tv_sec) * 1000000000 +
                   (d.tv_nsec - now.tv_nsec);
    assert_true(diff >= 2500000000 && diff < 3500000000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exclusion_and_fairness),
        cmocka_unit_test(test_blocking_releases),
        cmocka_unit_test(test_deadline_arithmetic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
